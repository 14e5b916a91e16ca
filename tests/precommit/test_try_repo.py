"""`pre-commit try-repo` with this checkout's published hooks against throwaway taxonomy repos.

try-repo clones the hook repository at a commit and pip-installs it into a hook environment, the
way any taxonomy repository using the hooks gets them. Given a path with uncommitted changes it
only picks up tracked files, so a new, untracked module would silently be missing; the tests
therefore commit a snapshot of the working tree (tracked and untracked files, ignored ones left
out) into a scratch repository and point try-repo at that. The result is the same in a developer
checkout and in CI's fresh clone. Both runs share one pre-commit store, so the hook environment is
built once per session.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest

from gitrepo import git as _git

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None, reason="pre-commit is not installed"
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TAXONOMY = REPO_ROOT / "taxonomy"

BAD_LEAF = """\
version: 3
created_by: tester
task_description: Name the colour of everyday things.
seed_examples:
  - question: What colour is the sky on a clear day?
    answer: Blue.
  - question: What colour is fresh grass?
    answer: Green.
  - question: What colour is a ripe banana?
    answer: 42
  - question: What colour is fresh snow?
    answer: White.
  - question: What colour is a ripe tomato?
    answer: Red.
"""
# The integer answer above: line 10, column 13, where the value starts.
BAD_LOCATION = "taxonomy/compositional_skills/demo/colours/qna.yaml:10:13: error ["

ATTRIBUTION = """\
Title of work: Colours of everyday things
Link to work: -
License of the work: Apache-2.0
Creator names: Test
"""


def try_repo(
    run_pre_commit, taxonomy_repo: Path, hook_repo: tuple[Path, str], *, staged: bool = False
) -> tuple[int, str]:
    """Run the validate hook over every file, or (`staged`) as a commit would: on what is
    staged."""
    path, sha = hook_repo
    done = run_pre_commit(
        taxonomy_repo,
        "try-repo",
        str(path),
        "labtax-validate",
        "--ref",
        sha,
        *([] if staged else ["--all-files"]),
        "--verbose",
    )
    return done.returncode, done.stdout


def bad_leaf_repo(root: Path) -> Path:
    """labtax's layout with one leaf whose third answer is a number."""
    leaf = root / "taxonomy" / "compositional_skills" / "demo" / "colours"
    leaf.mkdir(parents=True)
    (leaf / "qna.yaml").write_text(BAD_LEAF, encoding="utf-8")
    (leaf / "attribution.txt").write_text(ATTRIBUTION, encoding="utf-8")
    return root


def good_leaves_repo(root: Path) -> Path:
    """InstructLab's layout (branches at the root) with two starter leaves, plus broken YAML
    outside the branches that the hook must never be given."""
    skill = "compositional_skills/writing/freeform/poetry/haiku"
    knowledge = "knowledge/science/earth_science/water_cycle"
    shutil.copytree(TAXONOMY / skill, root / skill)
    shutil.copytree(TAXONOMY / knowledge, root / knowledge)
    shutil.copytree(REPO_ROOT / "documents" / "water_cycle", root / "documents" / "water_cycle")
    (root / "docs").mkdir()
    (root / "docs" / "notes.yaml").write_text("key: [unclosed\n", encoding="utf-8")
    (root / ".github").mkdir()
    (root / ".github" / "labeler.yml").write_text("- : :\n  bad\n", encoding="utf-8")
    return root


# One test, so that under pytest-xdist every run shares one worker and one hook environment.
def test_hook_fails_on_a_bad_leaf_or_a_deleted_attribution_and_passes_good_ones(
    tmp_path: Path, hook_repo: tuple[Path, str], run_pre_commit, commit_all
) -> None:
    bad = bad_leaf_repo(tmp_path / "bad")
    commit_all(bad)
    code, output = try_repo(run_pre_commit, bad, hook_repo)
    assert code == 1, output
    assert re.search(r"^labtax validate\.+Failed$", output, re.M), output
    assert BAD_LOCATION in output, output
    assert "Traceback" not in output, output

    good = good_leaves_repo(tmp_path / "good")
    commit_all(good)
    code, output = try_repo(run_pre_commit, good, hook_repo)
    assert code == 0, output
    # A hook whose `files` matched nothing is "Skipped" and exits 0 too: insist that it ran, on
    # the two leaves (their attribution.txt files stand for the same leaves).
    assert re.search(r"^labtax validate\.+Passed$", output, re.M), output
    assert re.search(r"^0 errors, 0 warnings in 0 of 2 files$", output, re.M), output
    assert "notes.yaml" not in output, output
    assert "labeler.yml" not in output, output

    # A commit that deletes a leaf's attribution.txt, and stages nothing else, fails the hook
    # although pre-commit passes it no file at all.
    skill = "compositional_skills/writing/freeform/poetry/haiku"
    _git(good, "rm", "-q", f"{skill}/attribution.txt")
    code, output = try_repo(run_pre_commit, good, hook_repo, staged=True)
    assert code == 1, output
    assert re.search(r"^labtax validate\.+Failed$", output, re.M), output
    assert f"{skill}/qna.yaml:1:1: error [attribution] attribution.txt is missing" in output
    # Staging it back, and committing something unrelated, passes: nothing is checked.
    _git(good, "reset", "-q", "HEAD", "--", f"{skill}/attribution.txt")
    _git(good, "checkout", "-q", "--", f"{skill}/attribution.txt")
    (good / "NOTES.md").write_text("notes\n", encoding="utf-8")
    _git(good, "add", "NOTES.md")
    code, output = try_repo(run_pre_commit, good, hook_repo, staged=True)
    assert code == 0, output
    assert re.search(r"^0 errors, 0 warnings in 0 of 0 files$", output, re.M), output

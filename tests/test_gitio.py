"""The git layer on its own: odd paths, batching, listings and errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import topicrepo
from gitrepo import git
from labtax import gitio
from labtax.errors import LabtaxError

ODD = ["plain.txt", "with space/a b.txt", "ünï/ç ø.txt", "glob*[x]?.txt", "new\nline.txt"]


@pytest.fixture
def odd_repo(tmp_path: Path) -> Path:
    root = tmp_path / "odd"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for n, name in enumerate(ODD):
        topicrepo.write(root, name, f"content {n}\n" * 20)
    (root / "link").symlink_to("plain.txt")
    topicrepo.commit_all(root, "base")
    return root


def test_toplevel_from_a_subdirectory(odd_repo: Path):
    assert gitio.toplevel(odd_repo / "with space") == odd_repo.resolve()


def test_toplevel_outside_a_repository(tmp_path: Path):
    with pytest.raises(LabtaxError, match="not a git repository") as caught:
        gitio.toplevel(tmp_path)
    assert caught.value.hint


def test_toplevel_of_a_missing_directory(tmp_path: Path):
    with pytest.raises(LabtaxError, match="does not exist"):
        gitio.toplevel(tmp_path / "missing")


def test_resolve_and_errors(odd_repo: Path):
    sha = gitio.resolve("main", cwd=odd_repo)
    assert len(sha) == 40
    assert gitio.head(cwd=odd_repo) == sha
    assert gitio.merge_base("main", "HEAD", cwd=odd_repo) == sha
    for bad in ("nope", "--output=/tmp/x", ""):
        with pytest.raises(LabtaxError):
            gitio.resolve(bad, cwd=odd_repo)


def test_read_blobs_in_one_batch_with_odd_paths(odd_repo: Path):
    blobs = gitio.read_blobs("HEAD", [*ODD, "missing.txt", "with space"], cwd=odd_repo)
    assert sorted(blobs) == sorted(ODD)
    for n, name in enumerate(ODD):
        assert blobs[name] == f"content {n}\n".encode() * 20
    assert gitio.read_blob("HEAD", "missing.txt", cwd=odd_repo) is None
    assert gitio.read_blob("HEAD", "link", cwd=odd_repo) == b"plain.txt"
    with pytest.raises(LabtaxError, match="unknown ref"):
        gitio.read_blobs("nope", ["plain.txt"], cwd=odd_repo)


def test_read_many_blobs(odd_repo: Path):
    for n in range(300):
        topicrepo.write(odd_repo, f"many/{n}.txt", f"{n}\n" * n)
    topicrepo.commit_all(odd_repo, "many")
    blobs = gitio.read_blobs("HEAD", [f"many/{n}.txt" for n in range(300)], cwd=odd_repo)
    assert all(blobs[f"many/{n}.txt"] == f"{n}\n".encode() * n for n in range(300))


def test_ls_tree_lists_modes_kinds_and_sizes(odd_repo: Path):
    entries = {e.path: e for e in gitio.ls_tree("HEAD", cwd=odd_repo)}
    assert set(entries) == {*ODD, "link"}
    assert entries["link"].mode == "120000"
    assert entries["plain.txt"].mode == "100644"
    assert entries["plain.txt"].kind == "blob"
    assert entries["plain.txt"].size == len("content 0\n" * 20)
    under = gitio.ls_tree("HEAD", "with space", cwd=odd_repo)
    assert [e.path for e in under] == ["with space/a b.txt"]
    assert gitio.ls_tree("HEAD", "nothing/here", cwd=odd_repo) == []


def test_ls_tree_reports_submodules(odd_repo: Path):
    sha = gitio.head(cwd=odd_repo)
    git(odd_repo, "update-index", "--add", "--cacheinfo", f"160000,{sha},sub")
    git(odd_repo, "commit", "-q", "-m", "submodule")
    (entry,) = [e for e in gitio.ls_tree("HEAD", cwd=odd_repo) if e.path == "sub"]
    assert (entry.mode, entry.kind, entry.size) == ("160000", "commit", None)


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


def test_default_base_prefers_the_remote_head(tmp_path: Path, odd_repo: Path):
    assert gitio.default_base(cwd=odd_repo) == "main"
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", odd_repo.as_uri(), str(clone))
    assert gitio.default_base(cwd=clone) == "origin/main"
    git(clone, "remote", "set-head", "origin", "--delete")
    git(clone, "checkout", "-q", "-b", "work")
    git(clone, "branch", "-q", "-D", "main")
    assert gitio.default_base(cwd=clone) == "origin/main"


def test_grep_files(odd_repo: Path):
    topicrepo.write(odd_repo, "t/a/qna.yaml", "repo: documents/x\n")
    topicrepo.write(odd_repo, "t/b/qna.yaml", "repo: elsewhere\n")
    topicrepo.commit_all(odd_repo, "grep")
    found = gitio.grep_files(["repo: documents/x$"], ["t/**/qna.yaml"], cwd=odd_repo)
    assert found == ["t/a/qna.yaml"]
    assert gitio.grep_files(["nothing-matches"], ["t/**/qna.yaml"], cwd=odd_repo) == []


def test_git_missing_is_a_clear_error(odd_repo: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", os.fspath(odd_repo / "empty-bin"))
    with pytest.raises(LabtaxError, match="git is not installed"):
        gitio.resolve("HEAD", cwd=odd_repo)


@pytest.mark.parametrize("limit", [2000, 1])
def test_untracked_files_pair_with_deletions_as_renames(
    odd_repo: Path, monkeypatch: pytest.MonkeyPatch, limit: int
):
    """Both ways of pairing (only the affected paths, or the whole tree) give the same answer."""
    monkeypatch.setattr(gitio, "_MAX_PATHSPECS", limit)
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
    assert gitio._roots_without(odd_repo, ["generated"]) == sorted(
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


@pytest.mark.parametrize(
    ("detail", "cause"),
    [
        ("fatal: remote error: upload-pack: not our ref 0123", "commit"),
        ("fatal: couldn't find remote ref 0123", "commit"),
        ("", "commit"),
        (
            "fatal: unable to access 'https://x.invalid/r.git/': Could not resolve host: x.invalid",
            "name",
        ),
        (
            "fatal: unable to access 'http://127.0.0.1:9/r.git/': Failed to connect to 127.0.0.1"
            " port 9 after 0 ms: Couldn't connect to server",
            "refused",
        ),
        ("fatal: repository 'https://example.org/r.git/' not found", "repo"),
    ],
)
def test_a_failed_document_fetch_says_why(detail: str, cause: str):
    assert gitio.fetch_failure_cause(detail) == cause


def test_a_missing_document_commit_is_its_own_error_with_its_own_hint(tmp_path: Path):
    source = tmp_path / "docs"
    source.mkdir()
    git(source, "init", "-q", "-b", "main")
    (source / "a.md").write_text("text\n")
    git(source, "add", "-A")
    git(source, "commit", "-q", "-m", "docs")
    with pytest.raises(gitio.DocumentFetchError) as caught:
        gitio.fetch_document_repo(source.as_uri(), "ab" * 20, dest=tmp_path / "mirror")
    assert caught.value.cause == "commit"
    assert "document.commit is not in that repository" in caught.value.hint
    with pytest.raises(gitio.DocumentFetchError) as refused:
        gitio.fetch_document_repo("-x", "ab" * 20, dest=tmp_path / "mirror")
    assert refused.value.cause == "repo"

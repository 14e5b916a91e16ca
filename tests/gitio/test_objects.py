"""Trees and blobs: odd paths, batching, modes and sizes."""

from __future__ import annotations

from pathlib import Path

import pytest

import topicrepo
from gitrepo import ODD, git
from labtax import gitio
from labtax.errors import LabtaxError
from labtax.gitio.objects import TreeEntry


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


@pytest.mark.parametrize(
    ("mode", "kind", "regular"),
    [
        ("100644", "blob", True),
        ("100755", "blob", True),
        ("120000", "blob", False),  # a symlink: its content is a path
        ("160000", "commit", False),  # a submodule
        ("040000", "tree", False),
    ],
)
def test_only_blobs_of_regular_files_are_regular(mode: str, kind: str, regular: bool) -> None:
    assert TreeEntry(mode, kind, "0" * 40, 1, "a").is_regular_file is regular

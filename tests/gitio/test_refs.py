"""The repository and its refs: toplevel, resolve, the default base."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitrepo import git
from labtax import gitio
from labtax.errors import LabtaxError


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


@pytest.mark.parametrize(
    ("ref", "says", "never"),
    [
        ("nope", "git fetch origin nope:nope", None),
        ("upstream/dev", "git fetch upstream dev", None),
        ("HEAD~99", "takes one branch, tag or commit", "git fetch origin"),
        ("main..HEAD", "takes one branch, tag or commit", "git fetch origin"),
    ],
)
def test_the_hint_for_an_unknown_ref_fits_what_was_written(
    odd_repo: Path, ref: str, says: str, never: str | None
):
    with pytest.raises(LabtaxError) as caught:
        gitio.resolve(ref, cwd=odd_repo)
    assert says in caught.value.hint
    assert never is None or never not in caught.value.hint


def test_default_base_prefers_the_remote_head(tmp_path: Path, odd_repo: Path):
    assert gitio.default_base(cwd=odd_repo) == "main"
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", odd_repo.as_uri(), str(clone))
    assert gitio.default_base(cwd=clone) == "origin/main"
    git(clone, "remote", "set-head", "origin", "--delete")
    git(clone, "checkout", "-q", "-b", "work")
    git(clone, "branch", "-q", "-D", "main")
    assert gitio.default_base(cwd=clone) == "origin/main"

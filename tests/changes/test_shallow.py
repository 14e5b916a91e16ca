"""Shallow clones (CI's `fetch-depth: 1`): deepened from a fetchable remote, else a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

import topicrepo
from gitrepo import git
from labtax import gitio
from labtax.changes import changed_leaves
from labtax.config import load_config
from labtax.errors import LabtaxError


@pytest.fixture
def shallow(tmp_path: Path) -> Path:
    """A depth-1 clone of `topic`, whose fork point from `main` lies outside the fetched history."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "main")
    for n in range(3):
        topicrepo.write(
            upstream, f"taxonomy/compositional_skills/s{n}/qna.yaml", topicrepo.skill(n)
        )
        topicrepo.commit_all(upstream, f"main {n}")
    git(upstream, "checkout", "-q", "-b", "topic", "HEAD~1")
    topicrepo.write(upstream, "taxonomy/compositional_skills/s0/qna.yaml", topicrepo.skill(99))
    topicrepo.commit_all(upstream, "topic work")
    git(upstream, "checkout", "-q", "main")
    topicrepo.write(upstream, "taxonomy/compositional_skills/s1/qna.yaml", topicrepo.skill(98))
    topicrepo.commit_all(upstream, "main moves on")
    clone = tmp_path / "clone"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--no-single-branch",
        "--branch",
        "topic",
        upstream.as_uri(),
        str(clone),
    )
    assert gitio.is_shallow(cwd=clone)
    return clone


def test_shallow_clone_is_deepened_from_its_remote(shallow: Path):
    result = changed_leaves(load_config(shallow), "origin/main")
    assert topicrepo.summary(result) == [
        ("modified", "taxonomy/compositional_skills/s0/qna.yaml", ("inputs",))
    ]
    assert not gitio.is_shallow(cwd=shallow)


def test_shallow_clone_with_an_unreachable_remote_says_to_fetch_full_history(
    shallow: Path, tmp_path: Path
):
    git(shallow, "remote", "set-url", "origin", (tmp_path / "gone").as_uri())
    with pytest.raises(LabtaxError, match="shallow clone") as caught:
        changed_leaves(load_config(shallow), "origin/main")
    assert "fetch-depth: 0" in caught.value.hint
    assert gitio.is_shallow(cwd=shallow)


def test_shallow_clone_without_any_remote_says_to_fetch_full_history(shallow: Path):
    git(shallow, "remote", "remove", "origin")
    with pytest.raises(LabtaxError, match="no remote") as caught:
        changed_leaves(load_config(shallow), "HEAD")
    assert "fetch-depth: 0" in caught.value.hint


@pytest.mark.parametrize("command", [["changed"], ["diff", "--format", "json"]])
def test_unshallowing_says_so_in_exactly_one_line(
    shallow: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
):
    import clirun

    monkeypatch.chdir(shallow)
    run = clirun.run(*command, "--base", "origin/main")
    assert run.code == 0, run.err
    notices = [line for line in run.err.splitlines() if "shallow" in line]
    assert notices == [
        "labtax: this is a shallow clone: fetching its full history from 'origin' to find the "
        "merge base"
    ]
    assert not gitio.is_shallow(cwd=shallow)
    again = clirun.run(*command, "--base", "origin/main")
    assert "shallow" not in again.err

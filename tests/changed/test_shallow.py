"""Shallow clones (CI's `fetch-depth: 1`): deepened from a fetchable remote, else a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtax import gitio
from labtax.changes import changed_leaves
from labtax.config import load_config
from labtax.errors import LabtaxError


@pytest.fixture
def shallow(tmp_path: Path, kit) -> Path:
    """A depth-1 clone of `topic`, whose fork point from `main` lies outside the fetched history."""
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    kit.git(upstream, "init", "-q", "-b", "main")
    for n in range(3):
        kit.write(upstream, f"taxonomy/compositional_skills/s{n}/qna.yaml", kit.skill(n))
        kit.commit_all(upstream, f"main {n}")
    kit.git(upstream, "checkout", "-q", "-b", "topic", "HEAD~1")
    kit.write(upstream, "taxonomy/compositional_skills/s0/qna.yaml", kit.skill(99))
    kit.commit_all(upstream, "topic work")
    kit.git(upstream, "checkout", "-q", "main")
    kit.write(upstream, "taxonomy/compositional_skills/s1/qna.yaml", kit.skill(98))
    kit.commit_all(upstream, "main moves on")
    clone = tmp_path / "clone"
    kit.git(
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


def test_shallow_clone_is_deepened_from_its_remote(shallow: Path, kit):
    result = changed_leaves(load_config(shallow), "origin/main")
    assert kit.summary(result) == [
        ("modified", "taxonomy/compositional_skills/s0/qna.yaml", ("inputs",))
    ]
    assert not gitio.is_shallow(cwd=shallow)


def test_shallow_clone_with_an_unreachable_remote_says_to_fetch_full_history(
    shallow: Path, tmp_path: Path, kit
):
    kit.git(shallow, "remote", "set-url", "origin", (tmp_path / "gone").as_uri())
    with pytest.raises(LabtaxError, match="shallow clone") as caught:
        changed_leaves(load_config(shallow), "origin/main")
    assert "fetch-depth: 0" in caught.value.hint
    assert gitio.is_shallow(cwd=shallow)


def test_shallow_clone_without_any_remote_says_to_fetch_full_history(shallow: Path, kit):
    kit.git(shallow, "remote", "remove", "origin")
    with pytest.raises(LabtaxError, match="no remote") as caught:
        changed_leaves(load_config(shallow), "HEAD")
    assert "fetch-depth: 0" in caught.value.hint

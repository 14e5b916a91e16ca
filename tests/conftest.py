"""Fixtures shared by every test area: real git repositories in tmp_path, fake teacher servers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gitrepo import git

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPAT_DIR = REPO_ROOT.parent / "shared" / "compat" / "instructlab"

# Never reach a hosted provider, never download litellm's price map.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty git repository on branch `main`, with a `taxonomy/` dir; cwd is set to it."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    (root / "taxonomy").mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def fake_server() -> Iterator[Callable[..., tuple[object, str]]]:
    """Start fake teacher servers with any settings; all are stopped at the end of the test."""
    from labtax import fake_teacher

    started: list[fake_teacher.FakeTeacherServer] = []

    def start(**settings: object) -> tuple[fake_teacher.FakeTeacherServer, str]:
        server, url = fake_teacher.start_in_thread(**settings)  # type: ignore[arg-type]
        started.append(server)
        return server, url

    yield start
    for server in started:
        server.stop()

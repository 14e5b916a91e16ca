"""Fixtures shared by every test area: real git repositories in tmp_path, generation projects with
every leaf kind (builders in projects.py), and fake teacher servers."""

from __future__ import annotations

import os
import types
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import projects
import sampleleaves
from gitrepo import git
from labtax.leaves import Leaf

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
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed project: a freeform, a grounded and two knowledge leaves; cwd is set to it."""
    root = projects.make_project(tmp_path / "project", tmp_path / "docs-repo")
    monkeypatch.chdir(root)
    monkeypatch.setenv("LABTAX_CACHE_DIR", str(root / ".labtax" / "cache"))
    return root


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> projects.InProcessTransport:
    """Make `labtax generate` use the in-process fake teacher (no litellm import)."""
    from labtax.cache import ResponseCache
    from labtax.commands import generate as command
    from labtax.teacher import Teacher

    transport = projects.InProcessTransport()

    def make(config, cache_dir, budget=None):
        return Teacher(config, transport, cache=ResponseCache(cache_dir), budget=budget)

    monkeypatch.setattr(command, "make_teacher", make)
    return transport


@pytest.fixture
def kit() -> types.SimpleNamespace:
    """The builders of projects.py, for test modules that take them as a fixture."""
    return types.SimpleNamespace(
        git=git,
        freeform_yaml=sampleleaves.freeform_yaml,
        grounded_yaml=sampleleaves.grounded_yaml,
        knowledge_yaml=sampleleaves.knowledge_yaml,
        make_project=projects.make_project,
        make_docs_repo=projects.make_docs_repo,
        write=projects.write,
        tree_bytes=projects.tree_bytes,
        WATER_DOC=sampleleaves.WATER_DOC,
        PRESS_DOC=sampleleaves.PRESS_DOC,
        InProcessTransport=projects.InProcessTransport,
    )


@pytest.fixture
def sample_leaves() -> dict[str, Leaf]:
    """One loaded leaf of each kind, by kind: freeform, grounded, knowledge."""
    return sampleleaves.sample_leaves()


FakeServerStart = Callable[..., tuple[object, str]]


@pytest.fixture
def fake_server() -> Iterator[FakeServerStart]:
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

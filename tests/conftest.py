"""The fixtures every test folder may use: repositories and projects in tmp_path, the CLI run
in-process, fake teacher servers and a fake GitHub API.

Each fixture is defined here once. What they build comes from the importable helper modules beside
this file (`pythonpath = ["tests"]`), which test modules also import directly: `gitrepo` (git),
`projects` (projects), `sampleleaves` (leaf texts), `topicrepo` (a repository for change detection),
`datafiles` (hand-written generated data), `mixdata` (a project for export tests), `githubkit`
(the fake GitHub API), `clirun` (the CLI).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import clirun
import githubkit
import gitrepo
import mixdata
import projects
import sampleleaves
import topicrepo
from gitrepo import git
from labtax.changes import ChangeSet, changed_leaves
from labtax.config import load_config
from labtax.leaves import Leaf

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
def topic_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`topicrepo.make_topic_repo`: leaves on `main`, the work tree on `topic`; cwd is set to it."""
    root = topicrepo.make_topic_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def changed(topic_repo: Path) -> Callable[..., ChangeSet]:
    """`changed(base="main", *, untracked=True)`: `changed_leaves` in the topic repository."""

    def run(base: str | None = "main", *, untracked: bool = True) -> ChangeSet:
        return changed_leaves(load_config(topic_repo), base, untracked=untracked)

    return run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed project: a freeform, a grounded and two knowledge leaves; cwd is set to it."""
    root = projects.make_project(tmp_path / "project", tmp_path / "docs-repo")
    monkeypatch.chdir(root)
    monkeypatch.setenv("LABTAX_CACHE_DIR", str(root / ".labtax" / "cache"))
    return root


@pytest.fixture
def haiku_project(tmp_path: Path) -> Path:
    """A labtax project (not a git repository) with one valid skill leaf at HAIKU_DIR."""
    return projects.make_haiku_project(tmp_path / "proj")


@pytest.fixture
def data_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository for hand-written generated data; cwd is set to it, no CI or teacher
    variables leak in."""
    root = projects.make_data_project(tmp_path / "project")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    for name in ("LABTAX_TEACHER_MODEL", "LABTAX_TEACHER_API_BASE", "LABTAX_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    return root


@pytest.fixture
def mix_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`mixdata.make_mix_project`: leaves of every kind with fresh generated data, committed;
    cwd is set to it, and `datasets` works offline with its caches in tmp_path."""
    root = mixdata.make_mix_project(tmp_path / "project")
    monkeypatch.chdir(root)
    for name, value in {
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf-home"),
        "HF_DATASETS_CACHE": str(tmp_path / "hf-datasets"),
    }.items():
        monkeypatch.setenv(name, value)
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
def sample_leaves() -> dict[str, Leaf]:
    """One loaded leaf of each kind, by kind: freeform, grounded, knowledge."""
    return sampleleaves.sample_leaves()


@pytest.fixture
def in_process_eval(monkeypatch: pytest.MonkeyPatch) -> projects.EvalTransports:
    """Make `labtax eval` use the in-process fake student and judge (no litellm import)."""
    from labtax.commands import eval as command

    transports = projects.EvalTransports()
    monkeypatch.setattr(command, "make_teacher", transports.make_teacher)
    for name in ("LABTAX_STUDENT_MODEL", "LABTAX_STUDENT_API_BASE", "LABTAX_STUDENT_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return transports


Invoke = Callable[..., clirun.Run]


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """`invoke(*args, cwd=..., env=None)`: `labtax ARGS...` in-process in `cwd`, outside GitHub
    Actions unless `env` says so; returns the exit code, stdout and stderr."""

    def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> clirun.Run:
        monkeypatch.chdir(cwd)
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        return clirun.run(*args)

    return run


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


@pytest.fixture
def github_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`githubkit.make_repo`: a repository on `main` with one committed leaf; cwd is set to it."""
    root = githubkit.make_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def fake_github() -> Iterator[githubkit.FakeGitHub]:
    """The fake GitHub REST API on 127.0.0.1, recording every request."""
    with githubkit.serve() as state:
        yield state


@pytest.fixture
def github_env(
    fake_github: githubkit.FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The `GITHUB_*` variables of a workflow step, pointing at the fake API, set for the test."""
    values = githubkit.step_env(fake_github, tmp_path)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def odd_repo(tmp_path: Path) -> Path:
    """A committed repository whose paths hold spaces, non-ASCII, glob characters and a newline."""
    return gitrepo.make_odd_repo(tmp_path)

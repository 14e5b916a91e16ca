"""Fixtures for the pre-commit tests: git repositories and one pre-commit store per session.

Helpers are handed out as fixtures because test modules cannot import this file reliably under
pytest's importlib import mode.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gitrepo import git as _git

REPO_ROOT = Path(__file__).resolve().parents[2]

CommitAll = Callable[[Path], str]
RunPreCommit = Callable[..., subprocess.CompletedProcess[str]]


def _commit_all(root: Path) -> str:
    """Commit everything in `root` (a repository on `main` is made if needed); return the sha."""
    if not (root / ".git").exists():
        _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "--no-gpg-sign", "-m", "snapshot")
    return _git(root, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="session")
def commit_all() -> CommitAll:
    return _commit_all


@pytest.fixture(scope="session")
def pre_commit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An environment with a per-session pre-commit store, so hook installs are shared by tests.

    `GITHUB_ACTIONS` is dropped: under it `labtax validate` switches to GitHub annotations, and
    these tests read the plain `file:line:col` lines.
    """
    if shutil.which("git") is None:
        pytest.fail("git is required for the pre-commit tests")
    env = {k: v for k, v in os.environ.items() if k not in {"GITHUB_ACTIONS", "PRE_COMMIT"}}
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    env["PRE_COMMIT_COLOR"] = "never"
    return env


@pytest.fixture(scope="session")
def run_pre_commit(pre_commit_env: dict[str, str]) -> RunPreCommit:
    """`run_pre_commit(cwd, *args)`: pre-commit under this interpreter, output merged in stdout."""

    def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", *args],
            cwd=cwd,
            env=pre_commit_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=900,
            check=False,
        )

    return run


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A one-commit copy of this checkout's working tree, and that commit's sha.

    Tracked and untracked files are copied, ignored ones (.venv, caches) are not, so the copy is
    what a commit of the working tree would hold.
    """
    dest = tmp_path_factory.mktemp("labtax-hooks")
    listed = _git(REPO_ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for rel in filter(None, listed.split("\0")):
        source = REPO_ROOT / rel
        target = dest / rel
        if source.is_symlink():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source.readlink())
        elif source.is_file():  # a tracked file deleted in the working tree stays out
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest, _commit_all(dest)

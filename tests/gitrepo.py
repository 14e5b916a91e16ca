"""The one git helper every test area uses: fixed identity and dates, no user or system config.

Importable from any test module or conftest (`pythonpath = ["tests"]` in pyproject.toml), since
conftest modules themselves are not importable under pytest's importlib mode.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git_env() -> dict[str, str]:
    """The environment tests run git in: reproducible commits, nothing read from the machine."""
    return {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }


def git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    """Run git in `cwd` and return its stdout; a failure raises with git's stderr attached."""
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=git_env(),
        check=True,
        capture_output=True,
        text=True,
        input=stdin,
    )
    return done.stdout


ODD = ["plain.txt", "with space/a b.txt", "ünï/ç ø.txt", "glob*[x]?.txt", "new\nline.txt"]


def make_odd_repo(tmp_path: Path) -> Path:
    """A committed repository holding a file at each of `ODD` and a symlink."""
    root = tmp_path / "odd"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for n, name in enumerate(ODD):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"content {n}\n" * 20, encoding="utf-8")
    (root / "link").symlink_to("plain.txt")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root

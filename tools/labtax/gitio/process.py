"""How labtax starts git: argument lists, no shell, one environment, failures with a hint."""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from labtax.errors import LabtaxError

# Read-only commands must not take `index.lock` to refresh stat data: labtax often runs while
# an editor, a hook or another git process holds the repository.
ENV_OVERRIDES = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
FETCH_TIMEOUT_S = 300.0
# Notices for the person at the terminal (the CLI shows them on stderr); library code never prints.
notices = logging.getLogger("labtax")


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: bytes
    stderr: str


def start(
    args: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None, stdin: bool = False
) -> subprocess.Popen[bytes]:
    full_env = {**os.environ, **ENV_OVERRIDES, **(env or {})}
    try:
        return subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
        )
    except FileNotFoundError as exc:
        if not Path(cwd).is_dir():
            raise LabtaxError(
                f"directory does not exist: {cwd}", hint="run labtax inside the repository"
            ) from exc
        raise LabtaxError(
            "git is not installed or not on PATH",
            hint="install git (https://git-scm.com) and try again",
        ) from exc


def finish(
    process: subprocess.Popen[bytes], *, stdin: bytes | None = None, timeout: float | None = None
) -> Result:
    try:
        stdout, stderr = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        process.kill()
        process.communicate()
        raise LabtaxError(
            f"git did not finish within {timeout:.0f} s",
            hint="check the network connection to the remote",
        ) from exc
    return Result(process.returncode, stdout, stderr.decode("utf-8", errors="replace").strip())


def run(
    args: Sequence[str],
    *,
    cwd: Path,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Result:
    process = start(args, cwd=cwd, env=env, stdin=stdin is not None)
    return finish(process, stdin=stdin, timeout=timeout)


def output(args: Sequence[str], *, cwd: Path, what: str, hint: str = "") -> bytes:
    """Run git and return stdout; a failure becomes a `LabtaxError` naming `what` was attempted."""
    result = run(args, cwd=cwd)
    if result.returncode != 0:
        raise failure(what, result.stderr, hint)
    return result.stdout


def failure(what: str, stderr: str, hint: str = "") -> LabtaxError:
    detail = stderr.splitlines()[-1] if stderr else "git failed"
    if "not a git repository" in stderr:
        return LabtaxError(
            f"{what}: not a git repository",
            hint="run labtax inside a git checkout (git clone ..., or git init)",
        )
    if "dubious ownership" in stderr:
        return LabtaxError(
            f"{what}: git refuses to use this repository (dubious ownership)",
            hint="run: git config --global --add safe.directory <path>",
        )
    return LabtaxError(f"{what}: {detail}", hint=hint)


def split_z(raw: bytes) -> list[str]:
    text = raw.decode("utf-8", errors="surrogateescape")
    parts = text.split("\0")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def literal(paths: Iterable[str]) -> list[str]:
    specs = [f":(literal){p.rstrip('/') or '.'}" for p in paths]
    return specs or [":(literal)."]


def checked(result: Result, what: str) -> bytes:
    if result.returncode != 0:
        raise failure(what, result.stderr)
    return result.stdout

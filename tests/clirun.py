"""Run the real `labtax` CLI in this process and capture what it prints.

Importable from any test module (`pythonpath = ["tests"]`); the `invoke` fixture in conftest.py
adds a working directory and environment variables around it.
"""

from __future__ import annotations

import contextlib
import io
from typing import NamedTuple

from labtax.cli import main


class Run(NamedTuple):
    """One CLI run: its exit code, stdout and stderr (unpacks as `code, out, err`)."""

    code: int
    out: str
    err: str


def run(*args: str) -> Run:
    """`labtax ARGS...` in-process, in the current directory and environment."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return Run(code, out.getvalue(), err.getvalue())

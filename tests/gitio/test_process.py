"""Starting git: a missing git is a clear error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labtax import gitio
from labtax.errors import LabtaxError


def test_git_missing_is_a_clear_error(odd_repo: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", os.fspath(odd_repo / "empty-bin"))
    with pytest.raises(LabtaxError, match="git is not installed"):
        gitio.resolve("HEAD", cwd=odd_repo)

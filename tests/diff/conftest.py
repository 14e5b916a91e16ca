"""Fixtures of the data diff command tests: a project repository and the data builders."""

from __future__ import annotations

from pathlib import Path

import pytest

import datafiles
from gitrepo import git as run_git

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with a pyproject declaring the taxonomy and generated directories."""
    root = tmp_path / "project"
    root.mkdir()
    run_git(root, "init", "-q", "-b", "main")
    run_git(root, "config", "commit.gpgsign", "false")
    (root / "taxonomy").mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.labtax]\ntaxonomy = "taxonomy"\ngenerated = "generated"\n', encoding="utf-8"
    )
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    for name in ("LABTAX_TEACHER_MODEL", "LABTAX_TEACHER_API_BASE", "LABTAX_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    return root


class Kit(datafiles.Kit):
    golden = GOLDEN


@pytest.fixture
def kit() -> type[Kit]:
    return Kit

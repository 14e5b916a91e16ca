"""Shared helpers for the validate tests: run the CLI in-process and the corpus locations."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gitrepo import git
from labtax.cli import main

TESTS = Path(__file__).resolve().parents[1]
LEAVES = TESTS / "leaves"
GOOD = LEAVES / "good"
BAD = LEAVES / "bad"
COMPAT = TESTS.parents[1] / "shared" / "compat" / "instructlab"

SKILL = """\
version: 3
created_by: labtax-tests
task_description: Write a short, friendly haiku about an everyday object.
seed_examples:
  - question: Write a haiku about a teapot.
    answer: Steam curls from the spout, a small storm in porcelain.
  - question: Write a haiku about an umbrella.
    answer: Folded by the door, it waits for the sky to break.
  - question: Write a haiku about a bicycle.
    answer: Two wheels and a bell; the hill rushes up to meet me.
  - question: Compose a haiku describing a library card.
    answer: Thin blue rectangle, a key to ten thousand rooms.
  - question: Give me a haiku on the subject of a lighthouse.
    answer: One eye on the sea, it counts the ships through the fog.
"""
LEAF_DIR = "taxonomy/compositional_skills/writing/poetry/haiku"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


Invoke = Callable[..., Run]


@pytest.fixture
def invoke(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run `labtax ARGS...` in-process in `cwd`, returning exit code, stdout and stderr."""

    def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Run:
        monkeypatch.chdir(cwd)
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


@pytest.fixture
def skill_text() -> str:
    """A valid version 3 skill leaf."""
    return SKILL


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A labtax project root (marked by labtax.toml) with one valid skill leaf."""
    root = tmp_path / "proj"
    leaf = root / LEAF_DIR
    leaf.mkdir(parents=True)
    (root / "labtax.toml").write_text("# project root\n")
    (leaf / "qna.yaml").write_text(SKILL)
    (leaf / "attribution.txt").write_text("Source: written for labtax tests\n")
    return root


def copy_case(case: Path, dest: Path) -> Path:
    """A writable copy of a corpus case (symlinks kept as symlinks)."""
    target = dest / case.name
    shutil.copytree(case, target, symlinks=True)
    return target


@pytest.fixture
def run_git() -> Callable[..., str]:
    """The `git` helper below as a fixture: conftest modules are not importable here."""
    return git

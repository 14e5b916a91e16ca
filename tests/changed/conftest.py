"""Fixtures for `labtax changed`: a real repository with a few leaves committed on `main`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from gitrepo import git as run_git
from labtax.changes import ChangeSet, changed_leaves
from labtax.config import load_config

SKILL = """\
version: 3
created_by: alice
task_description: Give synonyms for a word.
seed_examples:
  - question: What is a synonym for happy?
    answer: Glad.
  - question: What is a synonym for fast?
    answer: Quick.
  - question: What is a synonym for big?
    answer: Large.
"""

KNOWLEDGE = """\
version: 3
created_by: bob
domain: earth science
document_outline: The water cycle.
seed_examples:
  - context: Water evaporates from oceans.
    questions_and_answers:
      - question: Where does water evaporate from?
        answer: Oceans.
document:
  repo: documents/water_cycle
  commit: local
  patterns:
    - "*.md"
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def skill(n: int) -> str:
    """A distinct skill leaf per `n`, so rename detection cannot pair unrelated leaves."""
    return SKILL.replace("Give synonyms for a word.", f"Give synonyms for word number {n}.")


def commit_all(root: Path, message: str = "change") -> None:
    run_git(root, "add", "-A")
    run_git(root, "commit", "-q", "--allow-empty", "-m", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`main` holds two skills, a knowledge leaf with a local document, and a docs template.

    The working copy is on branch `topic`, created from `main`; cwd is the repository root.
    """
    root = tmp_path / "repo"
    root.mkdir()
    run_git(root, "init", "-q", "-b", "main")
    run_git(root, "config", "commit.gpgsign", "false")
    write(root, "taxonomy/compositional_skills/linguistics/synonyms/qna.yaml", skill(1))
    write(root, "taxonomy/compositional_skills/linguistics/synonyms/attribution.txt", "Alice\n")
    write(root, "taxonomy/foundational_skills/reasoning/logic/qna.yaml", skill(2))
    write(root, "taxonomy/knowledge/science/water/qna.yaml", KNOWLEDGE)
    write(root, "documents/water_cycle/cycle.md", "# The water cycle\n\nWater evaporates.\n")
    write(root, "documents/water_cycle/notes.txt", "not selected by *.md\n")
    write(root, "docs/template_qna.yaml", SKILL)
    commit_all(root, "base")
    run_git(root, "checkout", "-q", "-b", "topic")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def changed(repo: Path) -> Callable[..., ChangeSet]:
    """Run `changed_leaves` for the fixture repository."""

    def run(base: str | None = "main", *, untracked: bool = True) -> ChangeSet:
        return changed_leaves(load_config(repo), base, untracked=untracked)

    return run


def summary(result: ChangeSet) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.status, c.path, c.reasons) for c in result.changes]


@pytest.fixture
def kit() -> SimpleNamespace:
    """Helpers for test modules (importing conftest directly is unreliable in importlib mode)."""
    return SimpleNamespace(
        git=run_git,
        write=write,
        skill=skill,
        commit_all=commit_all,
        summary=summary,
        SKILL=SKILL,
        KNOWLEDGE=KNOWLEDGE,
    )

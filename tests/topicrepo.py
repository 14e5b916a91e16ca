"""A repository for change detection: leaves committed on `main`, work on a `topic` branch.

`make_topic_repo` builds it (the `topic_repo` fixture in conftest.py); the other builders write
and commit leaves in it or anywhere else. Importable from any test module (`pythonpath`).
"""

from __future__ import annotations

from pathlib import Path

from gitrepo import git
from labtax.changes import ChangeSet

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

SYN = "taxonomy/compositional_skills/linguistics/synonyms/qna.yaml"
LOGIC = "taxonomy/foundational_skills/reasoning/logic/qna.yaml"
WATER = "taxonomy/knowledge/science/water/qna.yaml"


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def skill(n: int) -> str:
    """A distinct skill leaf per `n`, so rename detection cannot pair unrelated leaves."""
    return SKILL.replace("Give synonyms for a word.", f"Give synonyms for word number {n}.")


def commit_all(root: Path, message: str = "change") -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)


def make_topic_repo(root: Path) -> Path:
    """`main` holds two skills (SYN, LOGIC), a knowledge leaf (WATER) with a local document, and
    a docs template; the working copy is on branch `topic`, created from `main`."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    write(root, SYN, skill(1))
    write(root, "taxonomy/compositional_skills/linguistics/synonyms/attribution.txt", "Alice\n")
    write(root, LOGIC, skill(2))
    write(root, WATER, KNOWLEDGE)
    write(root, "documents/water_cycle/cycle.md", "# The water cycle\n\nWater evaporates.\n")
    write(root, "documents/water_cycle/notes.txt", "not selected by *.md\n")
    write(root, "docs/template_qna.yaml", SKILL)
    commit_all(root, "base")
    git(root, "checkout", "-q", "-b", "topic")
    return root


def summary(result: ChangeSet) -> list[tuple[str, str, tuple[str, ...]]]:
    """(status, path, reasons) of every change, in order."""
    return [(c.status, c.path, c.reasons) for c in result.changes]

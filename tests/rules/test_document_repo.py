"""`document-repo`: a knowledge document.repo given as a path must hold the documents."""

from __future__ import annotations

from pathlib import Path

import pytest

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import document_repo
from labtax.rules.document_repo import _selects, is_local
from sampleleaves import HAIKU

KNOWLEDGE = """\
version: 3
created_by: tester
domain: Chemistry
document_outline: Copper.
seed_examples:
  - context: Copper is a soft metal.
    questions_and_answers:
      - question: What kind of metal is copper?
        answer: A soft one.
document:
  repo: {repo}
  commit: local
  patterns:
    - '*.md'
    - '{second}'
"""


def check(root: Path, repo: str, second: str = "*.md") -> list[tuple[int, int, str]]:
    text = KNOWLEDGE.format(repo=repo, second=second)
    subject = rulecheck.subject(root, text, leaf_id=rulecheck.KNOWLEDGE_ID)
    found = document_repo.check(subject)
    assert all((d.rule, d.level) == ("document-repo", Level.ERROR) for d in found)
    return [(d.line, d.col, d.message) for d in found]


@pytest.fixture
def copper(tmp_path: Path) -> Path:
    docs = tmp_path / "documents" / "copper"
    docs.mkdir(parents=True)
    (docs / "copper.md").write_text("# Copper\n")
    return tmp_path


def test_a_directory_whose_files_every_pattern_selects_passes(copper: Path) -> None:
    assert check(copper, "documents/copper") == []
    assert check(copper, "./documents/copper/") == []


def test_a_pattern_selecting_nothing_is_reported_at_the_pattern(copper: Path) -> None:
    assert check(copper, "documents/copper", second="*.pdf") == [
        (15, 7, 'pattern "*.pdf" selects no file in copper/')
    ]


@pytest.mark.parametrize("repo", ["../outside", "documents/../../outside", "/etc"])
def test_a_path_leaving_the_repository_is_reported_at_the_repo(copper: Path, repo: str) -> None:
    assert check(copper, repo) == [(11, 9, f'document.repo "{repo}" points outside the repository')]


def test_a_path_that_is_no_directory_is_reported(copper: Path) -> None:
    (copper / "documents" / "file.md").write_text("x\n")
    for repo in ("documents/missing", "documents/file.md"):
        assert check(copper, repo) == [
            (11, 9, f'document.repo "{repo}" is not a directory in the repository')
        ]


@pytest.mark.parametrize(
    "repo", ["https://github.com/example/docs.git", "git@github.com:example/docs.git"]
)
def test_git_urls_are_not_checked_here(tmp_path: Path, repo: str) -> None:
    assert check(tmp_path, repo, second="*.pdf") == []


def test_skills_and_malformed_documents_are_left_to_the_schema(tmp_path: Path) -> None:
    assert document_repo.check(rulecheck.subject(tmp_path, HAIKU)) == []
    text = KNOWLEDGE.split("document:", maxsplit=1)[0] + "document: just text\n"
    subject = rulecheck.subject(tmp_path, text, leaf_id=rulecheck.KNOWLEDGE_ID)
    assert document_repo.check(subject) == []


def test_local_document_patterns_must_stay_inside_the_document_directory(tmp_path: Path) -> None:
    docs = tmp_path / "documents" / "copper"
    docs.mkdir(parents=True)
    (docs / "copper.md").write_text("# Copper\n")
    (tmp_path / "README.md").write_text("# outside the document directory\n")
    assert _selects(docs, "*.md")
    assert _selects(docs, "**/*.md")
    assert not _selects(docs, "../../*.md")
    assert not _selects(docs, str(tmp_path / "*.md"))
    assert not _selects(docs, "*.pdf")
    assert is_local("documents/copper")
    assert not is_local("https://github.com/example/docs.git")
    assert not is_local("git@github.com:example/docs.git")

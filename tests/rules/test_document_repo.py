"""`document-repo`: a knowledge document.repo given as a path must hold the documents."""

from __future__ import annotations

from pathlib import Path

import pytest

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import document_repo
from labtax.rules.document_repo import is_local
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


def test_local_document_patterns_must_stay_inside_the_document_directory(copper: Path) -> None:
    (copper / "README.md").write_text("# outside the document directory\n")
    assert check(copper, "documents/copper", second="**/*.md") == []
    assert check(copper, "documents/copper", second="../../*.md") == [
        (15, 7, 'pattern "../../*.md" names a hidden or ".." path segment ".."')
    ]
    assert check(copper, "documents/copper", second=str(copper / "*.md")) == [
        (15, 7, f'pattern "{copper / "*.md"}" is an absolute path')
    ]
    assert is_local("documents/copper")
    assert not is_local("https://github.com/example/docs.git")
    assert not is_local("git@github.com:example/docs.git")


@pytest.mark.parametrize("second", [".env", ".git/config", "**/.env", "sub/.secret/*.md", ".*"])
def test_patterns_naming_hidden_files_are_refused(copper: Path, second: str) -> None:
    (copper / "documents" / "copper" / ".env").write_text("API_KEY=x\n")
    found = check(copper, "documents/copper", second=second)
    assert len(found) == 1
    assert found[0][:2] == (15, 7)
    assert found[0][2].startswith(f'pattern "{second}" names a hidden or ".." path segment')


def test_a_pattern_never_selects_a_hidden_file_even_through_a_wildcard(copper: Path) -> None:
    only_hidden = copper / "documents" / "hidden_only"
    only_hidden.mkdir()
    (only_hidden / ".env").write_text("API_KEY=x\n")
    assert check(copper, "documents/hidden_only", second="*") == [
        (14, 7, 'pattern "*.md" selects no file in hidden_only/'),
        (15, 7, 'pattern "*" selects no file in hidden_only/'),
    ]


@pytest.mark.parametrize(
    ("repo", "problem"),
    [
        (".", "is outside the documents folder (documents/) and the taxonomy"),
        ("./", "is outside the documents folder (documents/) and the taxonomy"),
        ("tools", "is outside the documents folder (documents/) and the taxonomy"),
        (".git", 'has a hidden path segment ".git"'),
        ("documents/.private", 'has a hidden path segment ".private"'),
        ("documents\\copper", 'is not a relative path with "/" between folders'),
    ],
)
def test_a_local_repo_outside_the_documents_folder_and_the_taxonomy_is_refused(
    copper: Path, repo: str, problem: str
) -> None:
    for folder in ("tools", ".git", "documents/.private"):
        (copper / folder).mkdir(parents=True, exist_ok=True)
        (copper / folder / "a.md").write_text("x\n")
    assert check(copper, repo) == [(11, 9, f'document.repo "{repo}" {problem}')]


def test_a_symlink_is_resolved_before_the_containment_check(copper: Path) -> None:
    (copper / "tools").mkdir()
    (copper / "tools" / "a.md").write_text("x\n")
    (copper / "documents" / "tools").symlink_to(copper / "tools")
    (copper / "documents" / "away").symlink_to(copper.parent)
    assert check(copper, "documents/tools") == [
        (
            11,
            9,
            'document.repo "documents/tools" is outside the documents folder (documents/) '
            "and the taxonomy",
        )
    ]
    assert check(copper, "documents/away") == [
        (11, 9, 'document.repo "documents/away" points outside the repository')
    ]


def test_documents_next_to_a_leaf_in_the_taxonomy_are_allowed(copper: Path) -> None:
    beside = copper / "taxonomy" / "knowledge" / "chemistry" / "copper" / "docs"
    beside.mkdir(parents=True)
    (beside / "copper.md").write_text("# Copper\n")
    assert check(copper, "taxonomy/knowledge/chemistry/copper/docs") == []

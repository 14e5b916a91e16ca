"""`yaml-trailing-space`: spaces or tabs at the end of a line."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import hygiene_trailing_space
from sampleleaves import HAIKU, HAIKU_DIR


def located(root: Path, text: str) -> list[tuple[int, int, Level]]:
    found = hygiene_trailing_space.check(rulecheck.subject(root, text))
    assert all(d.message == "trailing whitespace" for d in found)
    return [(d.line, d.col, d.level) for d in found]


def test_each_line_is_reported_where_its_trailing_whitespace_starts(tmp_path: Path) -> None:
    text = HAIKU.replace("version: 3\n", "version: 3 \t\n").replace(
        "labtax-tests\n", "labtax-tests\t\n"
    )
    assert located(tmp_path, text) == [(1, 11, Level.ERROR), (2, 25, Level.ERROR)]


def test_crlf_endings_and_a_last_line_without_newline_are_seen(tmp_path: Path) -> None:
    assert located(tmp_path, "version: 3\r\nb: 2  \r\nc: 3\r\nd: 4 ") == [
        (2, 5, Level.ERROR),
        (4, 5, Level.ERROR),
    ]


def test_clean_and_unreadable_files_pass(tmp_path: Path) -> None:
    assert located(tmp_path, HAIKU) == []
    assert hygiene_trailing_space.check(rulecheck.subject(tmp_path, None)) == []


def test_a_version_1_leaf_gets_warnings(tmp_path: Path) -> None:
    text = HAIKU.replace("version: 3\n", "").replace("teapot.\n", "teapot. \n")
    assert located(tmp_path, text) == [(4, 44, Level.WARNING)]


def test_hygiene_is_an_error_when_the_version_is_unknown(haiku_project: Path) -> None:
    leaf = haiku_project / HAIKU_DIR / "qna.yaml"
    leaf.write_text("a: [  \n")
    found = rulecheck.located(rulecheck.findings(haiku_project))
    assert ("yaml-trailing-space", "error", 1, 5) in found
    assert any(rule == "yaml-syntax" for rule, *_ in found)


def test_trailing_whitespace_inside_a_block_scalar_is_called_text(tmp_path: Path) -> None:
    text = "a: |\n  code  \nb: 1 \n"
    found = hygiene_trailing_space.check(rulecheck.subject(tmp_path, text))
    assert [(d.line, d.message) for d in found] == [
        (2, hygiene_trailing_space.TEXT_MESSAGE),
        (3, hygiene_trailing_space.MESSAGE),
    ]
    assert "never changes text" in found[0].hint

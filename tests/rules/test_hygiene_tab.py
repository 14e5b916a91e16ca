"""`yaml-tab`: tab indentation, reported only where it broke parsing."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.blockscalars import tab_lines
from labtax.diagnostics import Level
from labtax.rules import hygiene_tab
from sampleleaves import HAIKU_DIR


def test_tab_lines_finds_the_first_tab_of_each_indentation() -> None:
    text = "a:\n\tb: 1\n  \tc: 2\nd: x\ty\n \t \te: 3\n"
    assert tab_lines(text) == [(2, 1), (3, 3), (5, 2)]
    assert tab_lines("a: 1\nb: '\t'\n") == []


def test_every_tab_indented_line_of_a_file_that_fails_to_parse_is_reported(tmp_path: Path) -> None:
    text = "a:\n\tb: 1\n\tc:\n\t\t- 2\n"
    found = hygiene_tab.check(rulecheck.subject(tmp_path, text))
    assert [(d.line, d.col, d.level, d.message) for d in found] == [
        (line, 1, Level.ERROR, "tab in indentation") for line in (2, 3, 4)
    ]


def test_in_a_file_that_parses_a_leading_tab_is_text(tmp_path: Path) -> None:
    text = "a: |\n  \tcode\nb: 1\n"
    assert hygiene_tab.check(rulecheck.subject(tmp_path, text)) == []
    assert hygiene_tab.check(rulecheck.subject(tmp_path, None)) == []


def test_block_scalar_starting_with_a_tab_is_accepted_like_instructlab(
    haiku_project: Path,
) -> None:
    # libyaml rejects this; PyYAML's Python scanner (which InstructLab uses) accepts it.
    leaf = haiku_project / HAIKU_DIR / "qna.yaml"
    text = leaf.read_text().replace(
        "answer: Steam curls from the spout, a small storm in porcelain.",
        "answer: |\n      \tSteam curls from the spout.",
    )
    leaf.write_text(text)
    assert rulecheck.located(rulecheck.findings(haiku_project)) == []


def test_a_tab_inside_a_block_scalar_is_text_even_when_the_leaf_does_not_load(
    tmp_path: Path,
) -> None:
    # A duplicate key stops loading, but the YAML parses: its tabs are text, not indentation.
    duplicate = "a: |\n  \tcode\na: 2\n"
    subject = rulecheck.subject(tmp_path, duplicate)
    assert subject.leaf is None
    assert hygiene_tab.check(subject) == []


def test_in_a_broken_file_only_tabs_outside_block_scalars_are_reported(tmp_path: Path) -> None:
    text = "a: |\n  x\n  \tcode\nb:\n\tc: [\n"
    found = hygiene_tab.check(rulecheck.subject(tmp_path, text))
    assert [(d.line, d.col) for d in found] == [(5, 1)]

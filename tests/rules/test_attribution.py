"""`attribution`: attribution.txt missing or blank next to the leaf."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import attribution
from sampleleaves import HAIKU


def test_missing_attribution_is_an_error_at_the_top_of_the_leaf(tmp_path: Path) -> None:
    (found,) = attribution.check(rulecheck.subject(tmp_path, HAIKU))
    assert (found.rule, found.level, found.line, found.col) == ("attribution", Level.ERROR, 1, 1)
    assert found.message == "attribution.txt is missing next to this leaf"
    assert found.hint == attribution.HINT


def test_blank_attribution_is_empty_and_any_visible_character_is_enough(tmp_path: Path) -> None:
    subject = rulecheck.subject(tmp_path, HAIKU)
    beside = subject.file.parent / "attribution.txt"
    beside.write_text(" \n\t\n")
    assert [d.message for d in attribution.check(subject)] == ["attribution.txt is empty"]
    beside.write_text("\n" * 10_000 + "Source: me\n")
    assert attribution.check(subject) == []


def test_a_directory_named_attribution_txt_counts_as_missing(tmp_path: Path) -> None:
    subject = rulecheck.subject(tmp_path, HAIKU)
    (subject.file.parent / "attribution.txt").mkdir()
    assert [d.message for d in attribution.check(subject)] == [
        "attribution.txt is missing next to this leaf"
    ]


def test_version_1_leaves_only_get_a_warning(tmp_path: Path) -> None:
    subject = rulecheck.subject(tmp_path, HAIKU.replace("version: 3\n", ""))
    assert [d.level for d in attribution.check(subject)] == [Level.WARNING]

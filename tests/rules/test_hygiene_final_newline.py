"""`yaml-final-newline`: the last line must end with a newline."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import hygiene_final_newline
from sampleleaves import HAIKU


def test_a_missing_final_newline_is_reported_after_the_last_character(tmp_path: Path) -> None:
    text = HAIKU.rstrip("\n")
    (found,) = hygiene_final_newline.check(rulecheck.subject(tmp_path, text))
    last = text.split("\n")[-1]
    assert (found.line, found.col) == (len(text.split("\n")), len(last) + 1)
    assert (found.level, found.message) == (Level.ERROR, "no newline at end of file")


def test_files_ending_with_a_newline_and_empty_files_pass(tmp_path: Path) -> None:
    assert hygiene_final_newline.check(rulecheck.subject(tmp_path, HAIKU)) == []
    assert hygiene_final_newline.check(rulecheck.subject(tmp_path, "")) == []
    assert hygiene_final_newline.check(rulecheck.subject(tmp_path, None)) == []


def test_a_one_line_file_and_a_version_1_leaf(tmp_path: Path) -> None:
    (found,) = hygiene_final_newline.check(rulecheck.subject(tmp_path, "a: 1"))
    assert (found.line, found.col) == (1, 5)
    legacy = HAIKU.replace("version: 3\n", "").rstrip("\n")
    assert [d.level for d in hygiene_final_newline.check(rulecheck.subject(tmp_path, legacy))] == [
        Level.WARNING
    ]

"""`yaml-crlf`: Windows line endings, reported once at the first one."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import hygiene_crlf
from sampleleaves import HAIKU


def test_the_first_crlf_is_located_and_all_are_counted(tmp_path: Path) -> None:
    lines = HAIKU.split("\n")
    text = "\n".join(lines[:2]) + "\n" + "\r\n".join(lines[2:])
    (found,) = hygiene_crlf.check(rulecheck.subject(tmp_path, text))
    assert (found.line, found.col, found.level) == (3, len(lines[2]) + 1, Level.ERROR)
    assert found.message == f"CRLF line ending ({len(lines) - 3} lines in this file)"


def test_one_crlf_is_counted_in_the_singular(tmp_path: Path) -> None:
    text = HAIKU.replace("version: 3\n", "version: 3\r\n")
    (found,) = hygiene_crlf.check(rulecheck.subject(tmp_path, text))
    assert (found.line, found.col) == (1, 11)
    assert found.message == "CRLF line ending (1 line in this file)"


def test_lf_files_a_lone_cr_and_unreadable_files_pass(tmp_path: Path) -> None:
    assert hygiene_crlf.check(rulecheck.subject(tmp_path, HAIKU)) == []
    assert hygiene_crlf.check(rulecheck.subject(tmp_path, "a: 1\rb\n")) == []
    assert hygiene_crlf.check(rulecheck.subject(tmp_path, None)) == []


def test_a_version_1_leaf_gets_a_warning(tmp_path: Path) -> None:
    text = HAIKU.replace("version: 3\n", "").replace("\n", "\r\n")
    assert [d.level for d in hygiene_crlf.check(rulecheck.subject(tmp_path, text))] == [
        Level.WARNING
    ]

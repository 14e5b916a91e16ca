"""Mechanical repairs of leaf text: only the broken bytes change."""

from __future__ import annotations

import os
from pathlib import Path

from labtax import fixer, yamldoc


def test_fix_changes_only_the_broken_bytes() -> None:
    text = "a: 1  \r\nb: |\r\n  keep\tthis tab\r\n  \tand this one\r\nc: 'x'\t"
    fixed, fix = fixer.fix_text(text)
    assert fixed == "a: 1\nb: |\n  keep\tthis tab\n  \tand this one\nc: 'x'\n"
    assert (fix.crlf, fix.trailing, fix.final_newline, fix.tabs) == (4, 2, True, 0)


def test_tabs_in_a_file_that_parses_are_text_and_stay() -> None:
    text = "a: |\n  \tcode\n"
    assert fixer.fix_text(text) == (text, fixer.Fix())


def test_tab_indentation_is_replaced_with_a_width_that_parses() -> None:
    text = "a:\n\tb: 1\n\tc:\n\t\t- 2\n"
    fixed, fix = fixer.fix_text(text)
    assert fixed == "a:\n  b: 1\n  c:\n    - 2\n"
    assert fix.tabs == 3
    assert yamldoc.parse(fixed).data == {"a": {"b": 1, "c": [2]}}


def test_a_tab_indentation_no_width_can_repair_is_left_and_counted() -> None:
    text = "a: [\n\t\tb: : :\n"
    fixed, fix = fixer.fix_text(text)
    assert fixed == text
    assert (fix.tabs, fix.tabs_unfixable, fix.changed) == (0, 1, False)
    assert fix.describe() == ["left tab indentation on 1 line(s): fix it by hand"]


def test_describe_says_what_changed_in_order() -> None:
    fix = fixer.Fix(crlf=2, trailing=1, final_newline=True, tabs=3)
    assert fix.changed
    assert fix.describe() == [
        "converted 2 CRLF line ending(s) to LF",
        "removed trailing whitespace on 1 line(s)",
        "added the final newline",
        "replaced tab indentation on 3 line(s)",
    ]
    assert fixer.Fix().describe() == []
    assert not fixer.Fix().changed


def test_fix_file_keeps_a_bom_and_leaves_clean_files_untouched(tmp_path: Path) -> None:
    dirty = tmp_path / "dirty.yaml"
    dirty.write_bytes(b"\xef\xbb\xbfa: 1  \r\n")
    assert fixer.fix_file(dirty).changed
    assert dirty.read_bytes() == b"\xef\xbb\xbfa: 1\n"
    clean = tmp_path / "clean.yaml"
    clean.write_bytes(b"a: 1\n")
    os.utime(clean, (1_000_000, 1_000_000))
    assert fixer.fix_file(clean) == fixer.Fix()
    assert clean.stat().st_mtime == 1_000_000  # not rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.yaml", "dirty.yaml"]  # no temps

"""Mechanical repairs of leaf text: only the broken bytes change."""

from __future__ import annotations

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

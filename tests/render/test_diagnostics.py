"""Diagnostics as text, JSON records and GitHub workflow commands."""

from __future__ import annotations

import json

from labtax.diagnostics import Diagnostic, Level
from labtax.render.diagnostics import (
    escape_data,
    escape_property,
    github_text,
    json_text,
    line,
    render,
    resolve_format,
    summary,
)


def test_github_commands_escape_what_would_break_them() -> None:
    hostile = Diagnostic(
        "a,b:c%.yaml", 3, 4, Level.WARNING, "r", "line one\r\nline two 100%", "hint, here"
    )
    text = github_text([hostile], 1)
    first = text.splitlines()[0]
    assert first == (
        "::warning file=a%2Cb%3Ac%25.yaml,line=3,col=4,title=labtax r::"
        "line one%0D%0Aline two 100%25%0Ahint: hint, here"
    )
    assert escape_data("::x") == "::x"  # data may hold colons; only properties escape them
    assert escape_property("a:b,c") == "a%3Ab%2Cc"


def test_auto_is_github_only_inside_github_actions() -> None:
    assert resolve_format("auto", {"GITHUB_ACTIONS": "true"}) == "github"
    assert resolve_format("auto", {"GITHUB_ACTIONS": "false"}) == "text"
    assert resolve_format("auto", {}) == "text"
    assert resolve_format("json", {"GITHUB_ACTIONS": "true"}) == "json"


ERROR = Diagnostic(
    "t/a/qna.yaml", 2, 13, Level.ERROR, "schema", "created_by must be text", "fix it"
)
WARNING = Diagnostic("t/b/qna.yaml", 1, 1, Level.WARNING, "version-deprecated", "old", "")


def test_a_line_is_path_line_col_level_rule_message_and_hint() -> None:
    assert line(ERROR) == "t/a/qna.yaml:2:13: error [schema] created_by must be text (hint: fix it)"
    assert line(WARNING) == "t/b/qna.yaml:1:1: warning [version-deprecated] old"


def test_summary_counts_errors_warnings_and_files_in_words() -> None:
    assert summary([ERROR, WARNING], 3) == "1 error, 1 warning in 2 of 3 files"
    assert summary([ERROR, ERROR], 1) == "2 errors, 0 warnings in 1 of 1 file"
    assert summary([], 0) == "0 errors, 0 warnings in 0 of 0 files"


def test_each_format_ends_with_a_newline_and_only_json_drops_the_summary() -> None:
    text = render([ERROR, WARNING], 2, "text")
    assert text.splitlines() == [line(ERROR), line(WARNING), "1 error, 1 warning in 2 of 2 files"]
    github = render([ERROR], 2, "github")
    assert github.splitlines()[0].startswith("::error file=t/a/qna.yaml,line=2,col=13,")
    assert github.endswith("1 error, 0 warnings in 1 of 2 files\n")
    as_json = render([WARNING], 2, "json")
    assert as_json.endswith("]\n")
    assert json.loads(as_json) == [
        {
            "path": "t/b/qna.yaml",
            "line": 1,
            "col": 1,
            "level": "warning",
            "rule": "version-deprecated",
            "message": "old",
            "hint": "",
        }
    ]


def test_json_keeps_non_ascii_text_as_written() -> None:
    odd = Diagnostic("t/ü/qna.yaml", 1, 1, Level.ERROR, "r", "naïve “quote”", "")
    assert "naïve “quote”" in json_text([odd])
    assert json.loads(json_text([odd]))[0]["path"] == "t/ü/qna.yaml"

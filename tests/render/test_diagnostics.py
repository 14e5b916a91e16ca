"""Diagnostics as text, JSON records and GitHub workflow commands."""

from __future__ import annotations

from labtax.diagnostics import Diagnostic, Level
from labtax.render.diagnostics import escape_data, escape_property, github_text, resolve_format


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

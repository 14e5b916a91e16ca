"""The neutralisation of untrusted text, piece by piece."""

from __future__ import annotations

import pytest

from labtax import sanitize


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("left\u202eright", "left\\u202eright"),  # RIGHT-TO-LEFT OVERRIDE
        ("a\u2066b\u2069c", "a\\u2066b\\u2069c"),  # isolates
        ("nul\x00byte", "nul\\u0000byte"),
        ("zero\u200bwidth\u200d\ufeff", "zero\\u200bwidth\\u200d\\ufeff"),
        ("esc\x1b[31mred", "esc\\u001b[31mred"),  # a terminal escape sequence
        ("line\u2028sep", "line\\u2028sep"),
        ("lone\ud800surrogate", "lone\\ud800surrogate"),
        ("tag\U000e0041", "tag\\U000e0041"),  # an invisible astral format character
        ("tabs\tand\nnewlines stay", "tabs\tand\nnewlines stay"),
        ("ünïcödé and 日本語 stay", "ünïcödé and 日本語 stay"),
    ],
)
def test_escape_controls_shows_invisible_characters(raw: str, shown: str) -> None:
    assert sanitize.escape_controls(raw) == shown


def test_escape_controls_can_show_newlines_too() -> None:
    assert sanitize.escape_controls("a\nb", keep_newlines=False) == "a\\nb"


def test_fence_is_longer_than_any_backtick_run_inside() -> None:
    text = "before\n```python\nx = 1\n```\n`````\nfive\n`````\nafter"
    block = sanitize.fence(text)
    first, *_, last = block.split("\n")
    assert first == "``````text"
    assert last == "``````"
    assert text in block


def test_fence_handles_an_unbalanced_fence_and_crlf() -> None:
    block = sanitize.fence("```\nnever closed\r\n")
    assert block.startswith("````text\n```\nnever closed\n")
    assert block.endswith("\n````")
    assert "\r" not in block


def test_truncate_leaves_a_note() -> None:
    text = sanitize.truncate("x" * 1_000_000, 100)
    assert text.startswith("x" * 100 + "\n")
    assert text.endswith("[truncated: 999,900 more characters]")
    assert sanitize.truncate("short", 100) == "short"
    assert sanitize.truncate("long" * 10, None) == "long" * 10


@pytest.mark.parametrize(
    ("raw", "span"),
    [
        ("plain", "`plain`"),
        ("has `tick`", "`` has `tick` ``"),
        ("a ``` b", "````a ``` b````"),
        ("`edge", "`` `edge ``"),
        ("two\nlines", "`two\\nlines`"),
        ("", "` `"),
        ("@everyone #1", "`@everyone #1`"),
    ],
)
def test_code_span(raw: str, span: str) -> None:
    assert sanitize.code_span(raw) == span


def test_html_code_escapes_markup_and_references() -> None:
    shown = sanitize.html_code('<img src=x onerror="alert(1)"> @team #12 https://x.example')
    assert shown.startswith("<code>")
    assert shown.endswith("</code>")
    inner = shown[len("<code>") : -len("</code>")]
    for dangerous in ("<", ">", '"', "@", "#12", "://"):
        assert dangerous not in inner
    assert "&lt;img" in inner
    assert "&#64;team" in inner
    assert "&amp;" in sanitize.html_code("&")
    assert "&#35;12" in inner


def test_terminal_text_has_no_escape_sequences() -> None:
    assert "\x1b" not in sanitize.terminal("\x1b]0;title\x07\x1b[2J")


def test_one_line_shows_every_line_break_as_an_escape() -> None:
    text = "a\nb\rc\r\nd\x0be\x85f\u2028g\u2029h"
    shown = sanitize.one_line(text)
    assert shown.splitlines() == [shown]
    assert shown == "a\\nb\\u000dc\\u000d\\nd\\u000be\\u0085f\\u2028g\\u2029h"
    assert sanitize.one_line("tabs\tstay") == "tabs\tstay"


@pytest.mark.parametrize(
    "line",
    [
        "::error::x",
        "  ::add-mask::secret",
        "\t::stop-commands::tok",
        "##[error]x",
        "\u00a0::warning::x",
    ],
)
def test_log_text_keeps_a_line_from_starting_a_workflow_command(line: str) -> None:
    for text in (line, f"first\n{line}\nlast", f"first\r{line}"):
        shown = sanitize.log_text(text)
        for part in shown.splitlines():
            assert not part.lstrip().startswith(("::", "##[")), part
        assert line.strip() in shown  # still readable, only made inert


def test_log_text_leaves_ordinary_text_alone() -> None:
    text = "path:1:2: error: a::b ## not a command\n  hint: see ::x"
    assert sanitize.log_text(text) == text


def test_a_name_is_one_line_whatever_it_holds() -> None:
    assert sanitize.name("a\n::error::x\r\u202eb") == "a\\n::error::x\\u000d\\u202eb"
    assert "\n" not in sanitize.name("x" * 300)  # the truncation note too

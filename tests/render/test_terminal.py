"""The rich console behind every terminal renderer: plain or coloured, never interpreting text."""

from __future__ import annotations

import io

from labtax.render import terminal


def test_plain_console_prints_markup_and_emoji_codes_literally() -> None:
    buffer = io.StringIO()
    console = terminal.console(buffer, color=False, width=80)
    console.print("[bold red]not styled[/] :thumbs_up: 3.14 http://x.example")
    assert buffer.getvalue() == "[bold red]not styled[/] :thumbs_up: 3.14 http://x.example\n"


def test_width_wraps_long_lines() -> None:
    buffer = io.StringIO()
    terminal.console(buffer, color=False, width=20).print("word " * 10)
    assert all(len(line) <= 20 for line in buffer.getvalue().splitlines())
    assert len(buffer.getvalue().splitlines()) > 1


def test_colour_only_when_asked_for() -> None:
    from rich.text import Text

    plain, coloured = io.StringIO(), io.StringIO()
    terminal.console(plain, color=False, width=40).print(Text("fresh", style="green"))
    terminal.console(coloured, color=True, width=40).print(Text("fresh", style="green"))
    assert plain.getvalue() == "fresh\n"
    assert "\x1b[32m" in coloured.getvalue()
    assert "fresh" in coloured.getvalue()

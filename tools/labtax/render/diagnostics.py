"""Diagnostics as text, JSON records, or GitHub Actions workflow commands."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from labtax.diagnostics import Diagnostic, Level, count
from labtax.sanitize import log_text, one_line
from labtax.util import plural

FORMATS = ("text", "json", "github", "auto")


def resolve_format(name: str, environ: Mapping[str, str]) -> str:
    """`auto` is `github` inside GitHub Actions, else `text`."""
    if name != "auto":
        return name
    return "github" if environ.get("GITHUB_ACTIONS") == "true" else "text"


def render(diagnostics: Sequence[Diagnostic], files: int, fmt: str) -> str:
    """The whole report in format `fmt` (one of text, json, github), ending with a newline."""
    if fmt == "json":
        return json_text(diagnostics)
    if fmt == "github":
        return github_text(diagnostics, files)
    return plain_text(diagnostics, files)


def line(d: Diagnostic) -> str:
    """`path:line:col: level [rule] message (hint: ...)`, one line whatever the values hold."""
    tail = f" (hint: {one_line(d.hint)})" if d.hint else ""
    text = f"{one_line(d.path)}:{d.line}:{d.col}: {d.level.value} [{d.rule}] {one_line(d.message)}"
    return log_text(text + tail)


def summary(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """`N errors, M warnings in K of L files`."""
    counts = count(diagnostics)
    return (
        f"{plural(counts.errors, 'error')}, {plural(counts.warnings, 'warning')} "
        f"in {counts.files_with_findings:,} of {plural(files, 'file')}"
    )


def plain_text(diagnostics: Sequence[Diagnostic], files: int) -> str:
    return "".join(f"{line(d)}\n" for d in diagnostics) + summary(diagnostics, files) + "\n"


def records(diagnostics: Sequence[Diagnostic]) -> list[dict[str, object]]:
    return [
        {
            "path": d.path,
            "line": d.line,
            "col": d.col,
            "level": d.level.value,
            "rule": d.rule,
            "message": d.message,
            "hint": d.hint,
        }
        for d in diagnostics
    ]


def json_text(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps(records(diagnostics), indent=2, ensure_ascii=False) + "\n"


def github_text(diagnostics: Sequence[Diagnostic], files: int) -> str:
    """One `::error`/`::warning` workflow command per finding, then the summary as plain text."""
    out = []
    for d in diagnostics:
        command = "error" if d.level is Level.ERROR else "warning"
        props = ",".join(
            f"{key}={escape_property(str(value))}"
            for key, value in (
                ("file", d.path),
                ("line", d.line),
                ("col", d.col),
                ("title", f"labtax {d.rule}"),
            )
        )
        body = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        out.append(f"::{command} {props}::{escape_data(body)}\n")
    return "".join(out) + summary(diagnostics, files) + "\n"


def escape_data(text: str) -> str:
    """Escape a workflow command's message so it cannot end the command or start another."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command property value (also `:` and `,`, which delimit properties)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")

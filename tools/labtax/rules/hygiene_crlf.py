"""Windows (CRLF) line endings."""

from __future__ import annotations

from labtax.diagnostics import Diagnostic, Level
from labtax.rules.subject import Subject, finding, softened

ID = "yaml-crlf"
LEVEL = Level.ERROR
LEGACY_WARNING = True
SUMMARY = "the file uses CRLF (Windows) line endings"
HINT = "convert line endings to LF (`labtax fix` does it)"


def check(subject: Subject) -> list[Diagnostic]:
    text = subject.text
    if text is None:
        return []
    first = text.find("\r\n")
    if first < 0:
        return []
    line = text.count("\n", 0, first) + 1
    col = first - (text.rfind("\n", 0, first) + 1) + 1
    lines = text.count("\r\n")
    message = f"CRLF line ending ({lines} line{'s' if lines != 1 else ''} in this file)"
    return [finding(subject, (line, col), softened(subject, LEVEL), ID, message, HINT)]

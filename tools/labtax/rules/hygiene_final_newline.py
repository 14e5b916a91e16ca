"""The file does not end with a newline."""

from __future__ import annotations

from labtax.diagnostics import Diagnostic, Level
from labtax.rules.subject import Subject, finding, softened

ID = "yaml-final-newline"
LEVEL = Level.ERROR
LEGACY_WARNING = True
SUMMARY = "the last line has no newline at its end"
HINT = "end the file with a newline (`labtax fix` does it)"


def check(subject: Subject) -> list[Diagnostic]:
    text = subject.text
    if not text or text.endswith("\n"):
        return []
    line = text.count("\n") + 1
    col = len(text) - (text.rfind("\n") + 1) + 1
    message = "no newline at end of file"
    return [finding(subject, (line, col), softened(subject, LEVEL), ID, message, HINT)]

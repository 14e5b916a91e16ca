"""Trailing spaces or tabs at the end of a line."""

from __future__ import annotations

from labtax.blockscalars import text_trailing_lines
from labtax.diagnostics import Diagnostic, Level
from labtax.rules.subject import Subject, finding, softened

ID = "yaml-trailing-space"
LEVEL = Level.ERROR
LEGACY_WARNING = True
SUMMARY = "a line ends with spaces or tabs"
HINT = "delete the trailing whitespace (`labtax fix` does it)"

MESSAGE = "trailing whitespace"
TEXT_MESSAGE = "trailing whitespace inside a block scalar (it is part of the text)"
TEXT_HINT = "delete it by hand if it is not meant (`labtax fix` never changes text)"

_ENDINGS = (" \n", "\t\n", " \r", "\t\r")


def check(subject: Subject) -> list[Diagnostic]:
    if subject.text is None:
        return []
    text = subject.text
    if not any(ending in text for ending in _ENDINGS) and not text.endswith((" ", "\t")):
        return []  # substring search is far cheaper than splitting every file into lines
    level = softened(subject, LEVEL)
    in_text = text_trailing_lines(text)
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        body = line[:-1] if line.endswith("\r") else line
        stripped = body.rstrip(" \t")
        if len(stripped) != len(body):
            message, hint = (TEXT_MESSAGE, TEXT_HINT) if number in in_text else (MESSAGE, HINT)
            found.append(finding(subject, (number, len(stripped) + 1), level, ID, message, hint))
    return found

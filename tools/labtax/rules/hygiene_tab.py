"""Tabs used for indentation.

YAML forbids tab indentation, so in a file that parses a leading tab is text inside a block
scalar (code in an answer, say) and is left alone, as InstructLab does. In a file that fails to
parse, each line indented with a tab is reported: that is almost always why it failed.
"""

from __future__ import annotations

from labtax.diagnostics import Diagnostic, Level
from labtax.rules.subject import Subject, finding

ID = "yaml-tab"
LEVEL = Level.ERROR
LEGACY_WARNING = False
SUMMARY = "a line is indented with a tab (YAML allows only spaces)"
HINT = "indent with spaces (`labtax fix` converts the tabs)"


def tab_lines(text: str) -> list[tuple[int, int]]:
    """(line, col) of the first tab in the indentation of each line that has one."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        indent = len(line) - len(line.lstrip(" \t"))
        col = line.find("\t", 0, indent)
        if col >= 0:
            found.append((number, col + 1))
    return found


def check(subject: Subject) -> list[Diagnostic]:
    if subject.text is None or subject.leaf is not None:
        return []
    return [
        finding(subject, pos, LEVEL, ID, "tab in indentation", HINT)
        for pos in tab_lines(subject.text)
    ]

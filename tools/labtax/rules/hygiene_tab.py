"""Tabs used for indentation.

YAML forbids tab indentation, so in a file that scans a leading tab is text inside a block scalar
(code in an answer, say) and is left alone, as InstructLab does; a file that fails to load for
another reason (a duplicate key, say) scans too. In a file that does not scan, each line indented
with a tab outside what reads as block scalar content is reported: that is almost always why it
failed.
"""

from __future__ import annotations

from labtax.blockscalars import indentation_tabs
from labtax.diagnostics import Diagnostic, Level
from labtax.rules.subject import Subject, finding

ID = "yaml-tab"
LEVEL = Level.ERROR
LEGACY_WARNING = False
SUMMARY = "a line is indented with a tab (YAML allows only spaces)"
HINT = "indent with spaces (`labtax fix` converts the tabs)"


def check(subject: Subject) -> list[Diagnostic]:
    if subject.text is None or subject.leaf is not None:
        return []
    return [
        finding(subject, pos, LEVEL, ID, "tab in indentation", HINT)
        for pos in indentation_tabs(subject.text)
    ]

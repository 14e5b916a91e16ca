"""`attribution.txt` next to the leaf is missing or empty."""

from __future__ import annotations

from labtax.diagnostics import Diagnostic, Level
from labtax.rules.subject import Subject, finding, softened

ID = "attribution"
LEVEL = Level.ERROR
LEGACY_WARNING = True
SUMMARY = "attribution.txt is missing next to the leaf, or empty"
HINT = "add attribution.txt naming the source, its license and its URL for the seed content"

NAME = "attribution.txt"


def check(subject: Subject) -> list[Diagnostic]:
    path = subject.file.parent / NAME
    try:
        data = path.read_bytes() if path.is_file() else None
    except OSError:
        data = None
    if data is None:
        message = f"{NAME} is missing next to this leaf"
    elif not data.strip():
        message = f"{NAME} is empty"
    else:
        return []
    return [finding(subject, (1, 1), softened(subject, LEVEL), ID, message, HINT)]

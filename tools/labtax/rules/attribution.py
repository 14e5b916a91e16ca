"""`attribution.txt` next to the leaf is missing or empty."""

from __future__ import annotations

from pathlib import Path

from labtax.diagnostics import Diagnostic, Level
from labtax.rules.subject import Subject, finding, softened

ID = "attribution"
LEVEL = Level.ERROR
LEGACY_WARNING = True
SUMMARY = "attribution.txt is missing next to the leaf, or empty"
HINT = "add attribution.txt naming the source, its license and its URL for the seed content"

NAME = "attribution.txt"
_CHUNK = 4096


def check(subject: Subject) -> list[Diagnostic]:
    path = subject.file.parent / NAME
    blank = _blank(path)
    if blank is None:
        message = f"{NAME} is missing next to this leaf"
    elif blank:
        message = f"{NAME} is empty"
    else:
        return []
    return [finding(subject, (1, 1), softened(subject, LEVEL), ID, message, HINT)]


def _blank(path: Path) -> bool | None:
    """Whether the file holds only whitespace; None when it is missing or unreadable.

    Reading stops at the first visible character, so a huge file costs one small read.
    """
    try:
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                if chunk.strip():
                    return False
    except OSError:
        return None
    return True

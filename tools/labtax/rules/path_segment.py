"""A directory name on the leaf's path that is not lowercase letters, digits and underscores."""

from __future__ import annotations

import re

from labtax.diagnostics import Diagnostic, Level
from labtax.rules.subject import Subject, finding

ID = "path-segment"
LEVEL = Level.ERROR
LEGACY_WARNING = False
SUMMARY = "a directory on the leaf's path is not made of [a-z0-9_]"
HINT = "rename the directory using lowercase letters, digits and underscores only"

_SEGMENT = re.compile(r"[a-z0-9_]+")


def check(subject: Subject) -> list[Diagnostic]:
    if not subject.leaf_id or subject.leaf_id == ".":
        return []
    bad = [s for s in subject.leaf_id.split("/") if not _SEGMENT.fullmatch(s)]
    if not bad:
        return []
    names = ", ".join(f'"{s}"' for s in bad)
    message = f"directory name{'s' if len(bad) > 1 else ''} {names} must match [a-z0-9_]+"
    return [finding(subject, (1, 1), LEVEL, ID, message, HINT)]

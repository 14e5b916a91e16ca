"""A leaf directory inside another leaf's directory (the outer leaf's data would mix with it)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import LEAF_NAME
from labtax.rules.subject import Subject, finding

ID = "nested-leaf"
LEVEL = Level.WARNING
LEGACY_WARNING = False
SUMMARY = "a leaf directory sits inside another leaf's directory"
HINT = "move one of the two leaves so that neither directory contains the other"


@lru_cache(maxsize=4096)
def _has_leaf(directory: str) -> bool:
    # Siblings share ancestors, so a small cache saves most of the stat calls on a large tree.
    return (Path(directory) / LEAF_NAME).is_file()


def check(subject: Subject) -> list[Diagnostic]:
    if not subject.leaf_id or subject.leaf_id == ".":
        return []
    parts = subject.leaf_id.split("/")
    outer = [
        "/".join(parts[:end])
        for end in range(1, len(parts))
        if _has_leaf(str(subject.config.taxonomy.joinpath(*parts[:end])))
    ]
    if not outer:
        return []
    message = f"this leaf is nested inside the leaf {outer[-1]}"
    return [finding(subject, (1, 1), LEVEL, ID, message, HINT)]

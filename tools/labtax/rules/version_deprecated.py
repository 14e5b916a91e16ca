"""A skill leaf at format version 1 or 2 (accepted, as InstructLab does, but outdated)."""

from __future__ import annotations

from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import LeafKind
from labtax.rules.subject import Subject, finding

ID = "version-deprecated"
LEVEL = Level.WARNING
LEGACY_WARNING = False
SUMMARY = "a skill leaf uses format version 1 or 2 (or declares no version)"
HINT = "set version: 3, make task_description non-empty and give at least 5 distinct seed_examples"


def check(subject: Subject) -> list[Diagnostic]:
    leaf = subject.leaf
    if leaf is None or leaf.kind is LeafKind.KNOWLEDGE or subject.version not in (1, 2):
        return []
    declared = "declares no version (1)" if "version" not in leaf.data else "is version"
    number = "" if "version" not in leaf.data else f" {subject.version}"
    message = f"this skill leaf {declared}{number}; version 3 is current"
    return [finding(subject, leaf.positions.of_value(("version",)), LEVEL, ID, message, HINT)]

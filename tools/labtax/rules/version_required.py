"""A skill leaf added or changed against the base that is not at the current format version.

Older skill leaves are accepted with a deprecation warning, as InstructLab accepts them, but a
version 1 leaf (or one declaring no version) is checked by the old, lax rules: no attribution, any
number of seeds. A pull request could pass by leaving `version` out; InstructLab's CI requires the
current version of what a pull request touches, and so does this rule. Which leaves count as
changed is decided by the caller (`validate --changed`, or the paths given, as pre-commit passes
them); unchanged older leaves keep the deprecation warning.
"""

from __future__ import annotations

from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import LeafKind
from labtax.rules.subject import Subject, finding
from labtax.schemas import LATEST_VERSION

ID = "version-required"
LEVEL = Level.ERROR
LEGACY_WARNING = False
SUMMARY = "a skill leaf added or changed against the base is not at the current version (3)"
HINT = "set version: 3, make task_description non-empty and give at least 5 distinct seed_examples"


def check(subject: Subject) -> list[Diagnostic]:
    leaf = subject.leaf
    # Knowledge below version 3 and unknown versions are already errors (version-unsupported).
    if not subject.changed or leaf is None or leaf.kind is LeafKind.KNOWLEDGE:
        return []
    if subject.version not in (1, 2):
        return []
    declared = (
        "declares no version (read as 1)"
        if "version" not in leaf.data
        else f"is version {subject.version}"
    )
    message = (
        f"this skill leaf {declared}, but leaves added or changed against the base must be "
        f"version {LATEST_VERSION}"
    )
    return [finding(subject, leaf.positions.of_value(("version",)), LEVEL, ID, message, HINT)]

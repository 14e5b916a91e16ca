"""A leaf that is not inside one of the three taxonomy branches."""

from __future__ import annotations

from labtax.config import BRANCHES
from labtax.diagnostics import Diagnostic, Level
from labtax.rules.subject import Subject, finding

ID = "leaf-branch"
LEVEL = Level.ERROR
LEGACY_WARNING = False
SUMMARY = "a leaf is not under compositional_skills/, foundational_skills/ or knowledge/"
HINT = "move the leaf directory under one of the three branches of the taxonomy"


def check(subject: Subject) -> list[Diagnostic]:
    leaf_id = subject.leaf_id
    if leaf_id is None:
        taxonomy = subject.config.rel(subject.config.taxonomy) or "."
        message = f"the leaf is outside the taxonomy root ({taxonomy})"
    elif leaf_id.split("/", 1)[0] in BRANCHES and "/" in leaf_id:
        return []
    elif leaf_id in BRANCHES:
        message = f"a leaf must be in a directory below {leaf_id}/, not at its top"
    else:
        message = f"the leaf is not inside a branch directory ({', '.join(BRANCHES)})"
    return [finding(subject, (1, 1), LEVEL, ID, message, HINT)]

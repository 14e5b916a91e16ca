"""A knowledge question/answer item with keys besides `question` and `answer`.

InstructLab's schema tolerates them, so they are not schema errors; they are almost always typos.
"""

from __future__ import annotations

from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import LeafKind
from labtax.rules.examples import pairs
from labtax.rules.subject import Subject, finding
from labtax.schemas import dotted

ID = "qa-extra-key"
LEVEL = Level.WARNING
LEGACY_WARNING = False
SUMMARY = "a knowledge questions_and_answers item has a key other than question and answer"
HINT = "remove the key or fix its spelling: only question and answer are used"
ALLOWED = frozenset({"question", "answer"})


def check(subject: Subject) -> list[Diagnostic]:
    leaf = subject.leaf
    if leaf is None or leaf.kind is not LeafKind.KNOWLEDGE:
        return []
    return [
        finding(
            subject,
            leaf.positions.of_key((*path, key)),
            LEVEL,
            ID,
            f'unknown key "{dotted((*path, key))}"',
            HINT,
        )
        for path, qa in pairs(leaf)
        for key in sorted(set(qa) - ALLOWED)
    ]

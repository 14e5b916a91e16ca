"""The same, or nearly the same, question twice in one leaf (for skills: with the same context).

Comparison is on normalised text (case, punctuation and spacing ignored). A near-duplicate is a
question within difflib's ratio NEAR of another whose answer is also that close: seeds such as
"list two synonyms" / "list three synonyms" differ by one word on purpose, and their answers show
it. Cheap length and character-count bounds rule most pairs out before the full ratio is computed,
so the rule stays close to the cost of parsing.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import LeafKind, PathKey
from labtax.rules.examples import pairs, text_of
from labtax.rules.subject import Subject, finding
from labtax.schemas import dotted

ID = "duplicate-question"
LEVEL = Level.WARNING
LEGACY_WARNING = False
SUMMARY = "two questions in one leaf are the same or nearly the same"
HINT = "make each question ask something different; varied seeds give varied synthetic data"
NEAR = 0.9

_NOISE = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    return _NOISE.sub(" ", text.casefold()).strip()


def near(a: str, b: str) -> bool:
    """Whether two normalised questions are at least NEAR similar (difflib ratio)."""
    shorter, longer = sorted((len(a), len(b)))
    if longer == 0 or 2 * shorter / (shorter + longer) < NEAR:
        return False
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= NEAR and matcher.ratio() >= NEAR


def check(subject: Subject) -> list[Diagnostic]:
    leaf = subject.leaf
    if leaf is None:
        return []
    seen: list[tuple[PathKey, str, str, str]] = []
    found = []
    for path, pair in pairs(leaf):
        question = normalise(text_of(pair, "question"))
        if not question:
            continue
        # A skill asks the same question of different contexts on purpose (grounded skills).
        context = "" if leaf.kind is LeafKind.KNOWLEDGE else normalise(text_of(pair, "context"))
        answer = normalise(text_of(pair, "answer"))
        for earlier, other, where_from, other_answer in seen:
            if where_from != context:
                continue
            if other == question or (near(other, question) and near(other_answer, answer)):
                same = "the same as" if other == question else "nearly the same as"
                where = leaf.positions.of_value((*path, "question"))
                message = f"question is {same} {dotted((*earlier, 'question'))}"
                found.append(finding(subject, where, LEVEL, ID, message, HINT))
                break
        seen.append((path, question, context, answer))
    return found

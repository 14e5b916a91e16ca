"""The same, or nearly the same, question twice in one leaf (for skills: with the same context).

Comparison is on normalised text (case, punctuation and spacing ignored). A near-duplicate is a
question within difflib's ratio NEAR of another whose answer is also that close: seeds such as
"list two synonyms" / "list three synonyms" differ by one word on purpose, and their answers show
it. Cheap length and shared-word bounds rule most pairs out before difflib runs, so the rule stays
close to the cost of parsing.

Exact duplicates are found among all questions (a dictionary); near ones among the first
`MAX_NEAR_QUESTIONS` questions of up to `MAX_NEAR_CHARS` characters. Real leaves hold a handful of
seeds; the bounds keep a hostile leaf of thousands of questions (pairs grow with their square,
and difflib with the product of two lengths) from stalling a pre-commit hook or CI.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import NamedTuple

from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import LeafKind
from labtax.rules.examples import pairs, text_of
from labtax.rules.subject import Subject, finding
from labtax.schemas import dotted
from labtax.yamldoc import PathKey

ID = "duplicate-question"
LEVEL = Level.WARNING
LEGACY_WARNING = False
SUMMARY = "two questions in one leaf are the same or nearly the same"
HINT = "make each question ask something different; varied seeds give varied synthetic data"
NEAR = 0.9
# Texts that close share most of their words; comparing word sets first is far cheaper.
SHARED_WORDS = 0.5
MAX_NEAR_QUESTIONS = 200
MAX_NEAR_CHARS = 1000

_NOISE = re.compile(r"[\W_]+")
# difflib's ratio is 2M / (len(a) + len(b)) with M <= min(len(a), len(b)), so two texts can only be
# NEAR similar when min(len(a), len(b)) >= _SPAN * max(len(a), len(b)).
_SPAN = NEAR / (2 - NEAR)


def normalise(text: str) -> str:
    return _NOISE.sub(" ", text.casefold()).strip()


def near(a: str, b: str) -> bool:
    """Whether two normalised texts are at least NEAR similar (difflib ratio)."""
    if not a or not b or not _SPAN * max(len(a), len(b)) <= min(len(a), len(b)):
        return False
    return _close(_text(a), _text(b))


class _Text(NamedTuple):
    """Normalised text and its word set, computed once per question."""

    text: str
    words: frozenset[str]


def _text(text: str) -> _Text:
    return _Text(text, frozenset(text.split()))


def _close(a: _Text, b: _Text) -> bool:
    """`near` for texts whose lengths are already known to be close enough."""
    if len(a.words & b.words) < SHARED_WORDS * len(a.words | b.words):
        return False
    matcher = SequenceMatcher(None, a.text, b.text, autojunk=False)
    return matcher.quick_ratio() >= NEAR and matcher.ratio() >= NEAR


class _Seen(NamedTuple):
    size: int
    question: _Text
    context: str
    answer: str
    path: PathKey


def check(subject: Subject) -> list[Diagnostic]:
    leaf = subject.leaf
    if leaf is None:
        return []
    seen: list[_Seen] = []
    first: dict[tuple[str, str], PathKey] = {}  # (context, question) -> where it was first asked
    found = []
    for path, pair in pairs(leaf):
        question = normalise(text_of(pair, "question"))
        if not question:
            continue
        # A skill asks the same question of different contexts on purpose (grounded skills).
        context = "" if leaf.kind is LeafKind.KNOWLEDGE else text_of(pair, "context").strip()
        key = (context, question)
        match: tuple[PathKey, bool] | None
        if key in first:
            match = (first[key], True)
        else:
            first[key] = path
            match = _near_earlier(seen, context, question, text_of(pair, "answer"), path)
        if match is not None:
            where_before, exact = match
            same = "the same as" if exact else "nearly the same as"
            where = leaf.positions.of_value((*path, "question"))
            message = f"question is {same} {dotted((*where_before, 'question'))}"
            found.append(finding(subject, where, LEVEL, ID, message, HINT))
    return found


def _near_earlier(
    seen: list[_Seen], context: str, question: str, answer: str, path: PathKey
) -> tuple[PathKey, bool] | None:
    """The first earlier question this one nearly repeats, within the bounds; it joins `seen`."""
    size = len(question)
    if len(seen) >= MAX_NEAR_QUESTIONS or size > MAX_NEAR_CHARS:
        return None
    low, high = size * _SPAN, size / _SPAN
    current = _Seen(size, _text(question), context, answer, path)
    seen.append(current)
    for earlier in seen[:-1]:
        if earlier.context != context or not low <= earlier.size <= high:
            continue
        if _duplicates(earlier, current):
            return earlier.path, False
    return None


def _duplicates(a: _Seen, b: _Seen) -> bool:
    if a.question.text == b.question.text:
        return True
    return _close(a.question, b.question) and near(normalise(a.answer), normalise(b.answer))

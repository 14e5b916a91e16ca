"""Word counts over InstructLab's documented limits, which keep seeds inside a teacher's context."""

from __future__ import annotations

from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import Leaf, LeafKind
from labtax.rules.examples import pairs, seed_examples, text_of, words
from labtax.rules.subject import Subject, finding
from labtax.yamldoc import PathKey

ID = "word-limit"
LEVEL = Level.WARNING
LEGACY_WARNING = False
SKILL_WORDS = 2300
CONTEXT_WORDS = 500
PAIR_WORDS = 250
SUMMARY = (
    f"a skill leaf over {SKILL_WORDS} words, a knowledge context over {CONTEXT_WORDS}, "
    f"or a question plus answer over {PAIR_WORDS}"
)
HINT = "shorten the text, or split the leaf into narrower leaves"


def check(subject: Subject) -> list[Diagnostic]:
    leaf = subject.leaf
    if leaf is None:
        return []
    found = []
    for where, message in _over(leaf):
        found.append(finding(subject, leaf.positions.of_value(where), LEVEL, ID, message, HINT))
    return found


def _over(leaf: Leaf) -> list[tuple[PathKey, str]]:
    """(path, message) for each count over its limit."""
    over: list[tuple[PathKey, str]] = []
    total = words(text_of(leaf.data, "task_description"))
    if leaf.kind is LeafKind.KNOWLEDGE:
        for path, example in seed_examples(leaf):
            count = words(text_of(example, "context"))
            if count > CONTEXT_WORDS:
                over.append(
                    ((*path, "context"), f"context has {count} words (limit {CONTEXT_WORDS})")
                )
    for path, pair in pairs(leaf):
        count = words(text_of(pair, "question")) + words(text_of(pair, "answer"))
        total += count + words(text_of(pair, "context"))
        if count > PAIR_WORDS:
            message = f"question and answer have {count} words together (limit {PAIR_WORDS})"
            over.append((path, message))
    if leaf.kind is not LeafKind.KNOWLEDGE and total > SKILL_WORDS:
        message = f"the leaf has {total} words (limit about {SKILL_WORDS})"
        over.insert(0, (("seed_examples",), message))
    return over

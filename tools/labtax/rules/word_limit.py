"""Word counts over InstructLab's documented limits, which keep seeds inside a teacher's context."""

from __future__ import annotations

from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import LeafKind
from labtax.rules.examples import all_strings, pairs, seed_examples, text_of, words
from labtax.rules.subject import Subject, finding

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
    if leaf.kind is LeafKind.KNOWLEDGE:
        for path, example in seed_examples(leaf):
            count = words(text_of(example, "context"))
            if count > CONTEXT_WORDS:
                where = leaf.positions.of_value((*path, "context"))
                message = f"context has {count} words (limit {CONTEXT_WORDS})"
                found.append(finding(subject, where, LEVEL, ID, message, HINT))
    else:
        total = sum(words(s) for s in all_strings(leaf.data))
        if total > SKILL_WORDS:
            where = leaf.positions.of_key(("seed_examples",))
            message = f"the leaf has {total} words (limit about {SKILL_WORDS})"
            found.append(finding(subject, where, LEVEL, ID, message, HINT))
    for path, pair in pairs(leaf):
        count = words(text_of(pair, "question")) + words(text_of(pair, "answer"))
        if count > PAIR_WORDS:
            where = leaf.positions.of_value(path)
            message = f"question and answer have {count} words together (limit {PAIR_WORDS})"
            found.append(finding(subject, where, LEVEL, ID, message, HINT))
    return found

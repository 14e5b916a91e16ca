"""`word-limit`: InstructLab's documented word limits for seeds."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import word_limit
from sampleleaves import HAIKU


def over(root: Path, text: str, leaf_id: str = rulecheck.SKILL_ID) -> list[tuple[int, int, str]]:
    found = word_limit.check(rulecheck.subject(root, text, leaf_id=leaf_id))
    assert all(d.level is Level.WARNING for d in found)
    return [(d.line, d.col, d.message) for d in found]


def test_a_question_and_answer_over_the_pair_limit(tmp_path: Path) -> None:
    long = " ".join(["word"] * (word_limit.PAIR_WORDS - 5))
    text = HAIKU.replace("Steam curls from the spout, a small storm in porcelain.", long)
    assert over(tmp_path, text) == [
        (
            5,
            5,
            f"question and answer have {word_limit.PAIR_WORDS - 5 + 6} words together "
            f"(limit {word_limit.PAIR_WORDS})",
        )
    ]


def test_a_skill_over_the_total_limit_is_reported_at_its_examples(tmp_path: Path) -> None:
    answer = " ".join(["word"] * 240)  # each pair stays under its own limit
    examples = "".join(f"  - question: Q {n}?\n    answer: {answer}\n" for n in range(10))
    text = HAIKU.split("seed_examples:\n", maxsplit=1)[0] + "seed_examples:\n" + examples
    task = 9  # "Write a short, friendly haiku about an everyday object."
    total = task + 10 * (2 + 240)
    assert total > word_limit.SKILL_WORDS
    assert over(tmp_path, text) == [
        (5, 3, f"the leaf has {total} words (limit about {word_limit.SKILL_WORDS})")
    ]


def test_a_knowledge_context_over_its_limit(tmp_path: Path) -> None:
    context = " ".join(["word"] * (word_limit.CONTEXT_WORDS + 1))
    text = (
        "version: 3\ndomain: d\ndocument_outline: o\nseed_examples:\n"
        f"  - context: {context}\n"
        "    questions_and_answers:\n      - question: Q?\n        answer: A.\n"
    )
    assert over(tmp_path, text, rulecheck.KNOWLEDGE_ID) == [
        (
            5,
            14,
            f"context has {word_limit.CONTEXT_WORDS + 1} words (limit {word_limit.CONTEXT_WORDS})",
        )
    ]


def test_leaves_within_the_limits_and_unparsed_files_pass(tmp_path: Path) -> None:
    assert over(tmp_path, HAIKU) == []
    assert word_limit.check(rulecheck.subject(tmp_path, "a: [\n")) == []

"""`duplicate-question`: the same, or nearly the same, question twice in one leaf."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import duplicate_question
from labtax.rules.duplicate_question import near, normalise

SKILL = """\
version: 3
created_by: tester
task_description: Answer questions.
seed_examples:
{examples}
"""


def skill(*pairs: tuple[str, str], contexts: tuple[str, ...] = ()) -> str:
    items = []
    for index, (question, answer) in enumerate(pairs):
        context = f"    context: {contexts[index]}\n" if contexts else ""
        items.append(f"  - question: {question}\n{context}    answer: {answer}")
    return SKILL.format(examples="\n".join(items))


def check(root: Path, text: str, leaf_id: str = rulecheck.SKILL_ID) -> list[tuple[int, int, str]]:
    found = duplicate_question.check(rulecheck.subject(root, text, leaf_id=leaf_id))
    assert all(d.level is Level.WARNING for d in found)
    return [(d.line, d.col, d.message) for d in found]


def test_an_exact_repeat_is_reported_at_the_later_question(tmp_path: Path) -> None:
    text = skill(
        ("What is the capital of France?", "Paris."),
        ("Name a river.", "The Nile."),
        ("what is the CAPITAL of france", "Paris, on the Seine."),
    )
    assert check(tmp_path, text) == [(9, 15, "question is the same as seed_examples[0].question")]


def test_a_near_repeat_needs_a_near_answer_too(tmp_path: Path) -> None:
    close = skill(
        ("What is the capital of France?", "Paris is the capital."),
        ("What's the capital of France?", "Paris is the capital!"),
    )
    assert check(tmp_path, close) == [
        (7, 15, "question is nearly the same as seed_examples[0].question")
    ]
    on_purpose = skill(
        ("List two synonyms for attend.", "Visit, frequent."),
        ("List three synonyms for attend.", "Visit, frequent, haunt."),
    )
    assert check(tmp_path, on_purpose) == []


def test_a_skill_may_ask_the_same_question_of_different_contexts(tmp_path: Path) -> None:
    text = skill(
        ("Summarise this.", "A."),
        ("Summarise this.", "B."),
        contexts=("First scene.", "Second scene."),
    )
    assert check(tmp_path, text) == []
    same = skill(
        ("Summarise this.", "A."), ("Summarise this.", "B."), contexts=("One scene.", "One scene.")
    )
    assert [m for *_, m in check(tmp_path, same)] == [
        "question is the same as seed_examples[0].question"
    ]


def test_knowledge_repeats_count_across_contexts(tmp_path: Path) -> None:
    text = """\
version: 3
domain: d
document_outline: o
seed_examples:
  - context: One.
    questions_and_answers:
      - question: Why is the sky blue?
        answer: Scattering.
  - context: Two.
    questions_and_answers:
      - question: Why is the sky blue?
        answer: Rayleigh scattering.
"""
    assert check(tmp_path, text, rulecheck.KNOWLEDGE_ID) == [
        (
            11,
            19,
            "question is the same as seed_examples[0].questions_and_answers[0].question",
        )
    ]


def test_blank_and_missing_questions_are_not_duplicates(tmp_path: Path) -> None:
    text = skill(("'?!'", "A."), ("'...'", "B."))
    assert check(tmp_path, text) == []
    assert duplicate_question.check(rulecheck.subject(tmp_path, "a: [\n")) == []


def test_near_duplicate_needs_question_and_answer_close() -> None:
    assert normalise("What is  the Capital of France?!") == "what is the capital of france"
    assert near(
        normalise("What is the capital of France?"), normalise("What's the capital of France?")
    )
    assert not near(normalise("List two synonyms for attend."), normalise("Name a river in Peru."))
    assert not near("", "x")


def test_past_the_bounds_only_exact_repeats_are_compared(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(duplicate_question, "MAX_NEAR_QUESTIONS", 2)
    text = skill(
        ("Name a river.", "The Nile."),
        ("Name a mountain.", "Everest."),
        ("What is the capital of France?", "Paris is the capital."),
        ("What's the capital of France?", "Paris is the capital!"),  # near: past the bound
        ("name a river", "The Amazon."),  # exact: always found
    )
    assert check(tmp_path, text) == [(13, 15, "question is the same as seed_examples[0].question")]
    compared = []
    real = duplicate_question._duplicates
    monkeypatch.setattr(
        duplicate_question, "_duplicates", lambda a, b: compared.append(1) or real(a, b)
    )
    many = skill(*((f"What is item {n}?", f"Item {n}.") for n in range(50)))
    assert check(tmp_path, many) == []
    assert len(compared) <= 1  # at most the one pair inside the bound

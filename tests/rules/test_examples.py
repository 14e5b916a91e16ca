"""Walking seed examples without trusting their shape (rules run on invalid leaves too)."""

from __future__ import annotations

from labtax.leaves import load_text
from labtax.rules.examples import all_strings, pairs, seed_examples, text_of, words

SKILL = """\
seed_examples:
  - question: Q1
    answer: A1
  - just text
  - question: Q2
    answer: 7
"""
KNOWLEDGE = """\
seed_examples:
  - context: C1
    questions_and_answers:
      - question: Q1
        answer: A1
      - not a mapping
      - question: Q2
        answer: A2
  - context: C2
    questions_and_answers: none
"""


def test_seed_examples_yields_only_mappings_with_their_paths() -> None:
    leaf = load_text("q.yaml", "compositional_skills/x", SKILL)
    assert [(path, example["question"]) for path, example in seed_examples(leaf)] == [
        (("seed_examples", 0), "Q1"),
        (("seed_examples", 2), "Q2"),
    ]
    broken = load_text("q.yaml", "compositional_skills/x", "seed_examples: text\n")
    assert list(seed_examples(broken)) == []


def test_pairs_of_a_knowledge_leaf_are_its_nested_questions_and_answers() -> None:
    leaf = load_text("q.yaml", "knowledge/x", KNOWLEDGE)
    assert [path for path, _ in pairs(leaf)] == [
        ("seed_examples", 0, "questions_and_answers", 0),
        ("seed_examples", 0, "questions_and_answers", 2),
    ]
    skill = load_text("q.yaml", "compositional_skills/x", SKILL)
    assert [path for path, _ in pairs(skill)] == [("seed_examples", 0), ("seed_examples", 2)]


def test_text_of_words_and_all_strings() -> None:
    assert text_of({"answer": 7, "question": "Q"}, "answer") == ""
    assert text_of({"question": "Q"}, "question") == "Q"
    assert text_of({}, "question") == ""
    assert words("  one two\tthree\nfour ") == 4
    assert words("") == 0
    nested = {"a": ["x", {"b": "y", "c": 3}], "d": "z", "e": None}
    assert list(all_strings(nested)) == ["x", "y", "z"]
    assert list(all_strings(["k"])) == ["k"]

"""Evaluation records: figures derived from the outcomes, the fingerprint, the score's reading."""

from __future__ import annotations

from labtax.evaluation.records import (
    EVALUATED,
    NOT_EVALUATED,
    HeldOutQuestion,
    LeafEvaluation,
    ModelParams,
    QuestionOutcome,
    fingerprint,
    mean,
    reading,
)

STUDENT = ModelParams("openai/student", 0.0, 512, 1)
JUDGE = ModelParams("openai/judge", 0.0, 512, 1)
Q1 = HeldOutQuestion("seed", None, "What is rain?", "Water falling from clouds.")
Q2 = HeldOutQuestion("test", "A note.", "Summarise the note.", "A short note.")


def evaluation(*outcomes: QuestionOutcome, note: str | None = None) -> LeafEvaluation:
    return LeafEvaluation("knowledge/rain", STUDENT, JUDGE, {"a": "b"}, "f" * 64, outcomes, note)


def test_scores_failures_and_status():
    found = evaluation(
        QuestionOutcome(Q1, "Rain.", "close", 8),
        QuestionOutcome(Q2, "Hm.", "far", 3),
        QuestionOutcome(Q1, failure="no answer from the student: refused"),
    )
    assert (found.evaluated, found.failed, found.mean_score) == (2, 1, 5.5)
    assert found.status == EVALUATED
    assert found.reason == "1 x no answer from the student: refused"
    assert [o.score for o in found.lowest(2)] == [None, 3]


def test_a_leaf_with_nothing_scored_is_not_evaluated_with_the_reason():
    found = evaluation(
        QuestionOutcome(Q1, failure="the student's answer is empty"),
        QuestionOutcome(Q2, failure="the student's answer is empty"),
    )
    assert found.status == NOT_EVALUATED
    assert found.mean_score is None
    assert found.reason == "2 x the student's answer is empty"
    empty = evaluation(note="the leaf has no usable seed example to ask")
    assert (empty.status, empty.reason) == (NOT_EVALUATED, empty.note)


def test_the_fingerprint_covers_questions_models_and_templates():
    base = fingerprint([Q1], STUDENT, JUDGE, {"t": "1"})
    assert base == fingerprint([Q1], STUDENT, JUDGE, {"t": "1"})
    assert base != fingerprint([Q1, Q2], STUDENT, JUDGE, {"t": "1"})
    assert base != fingerprint([Q1], ModelParams("openai/other", 0.0, 512, 1), JUDGE, {"t": "1"})
    assert base != fingerprint([Q1], STUDENT, ModelParams("openai/j", 0.0, 512, 2), {"t": "1"})
    assert base != fingerprint([Q1], STUDENT, JUDGE, {"t": "2"})


def test_mean_and_reading():
    assert mean([]) is None
    assert mean([1, 2, 2]) == 1.67
    assert reading(None) == "not evaluated"
    assert reading(2.0) == "new to the student"
    assert reading(6.0) == "partly known"
    assert reading(8.0) == "the student knows it already"

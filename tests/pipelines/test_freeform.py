"""The freeform pipeline: its round's call bound is exact when every candidate passes, judges
grade batches with a verdict per item, and malformed, empty, missing and truncated answers become
counted rejections."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

import projects
from labtax.pipelines import freeform
from labtax.pipelines.pipeline import EXAMPLES_PER_ITEM, Caller, LeafMaterial, RoundPlan
from labtax.prompts import STAGES

UNIT = (-1, "instruction")


class TruncatedError(Exception):
    """What a scripted teacher raises for an answer still cut at its length bound."""


def _run(leaf, teacher, samples, *, number=1, seen=frozenset()):
    caller = Caller(teacher, truncation=(TruncatedError,))
    plan = RoundPlan(number, {UNIT: samples}, seen)
    outcome = asyncio.run(freeform.run_round(leaf, LeafMaterial(leaf.text), caller, plan))
    return outcome, caller


@pytest.mark.parametrize("samples", [1, 4, 5, 6, 12, 30])
def test_the_round_call_bound_is_exact_when_everything_passes(sample_leaves, samples):
    teacher = projects.AgreeableTeacher()
    outcome, caller = _run(sample_leaves["freeform"], teacher, samples)
    assert len(outcome.candidates) == samples
    assert outcome.rejected == ()
    assert (
        caller.usage.calls == freeform.round_calls({UNIT: samples}) == sum(teacher.calls.values())
    )
    assert caller.answers == caller.usage.calls
    assert teacher.calls["skill_questions"] == -(-samples // freeform.QUESTIONS_PER_CALL)
    # One judge call grades a batch of the leaf's questions, one rating call a batch of pairs.
    assert teacher.calls["question_judge"] == -(-samples // freeform.JUDGE_BATCH)
    assert teacher.calls["pair_rating"] == -(-samples // freeform.RATING_BATCH)
    assert teacher.calls["skill_answer"] == samples


class Recording(projects.AgreeableTeacher):
    """Agrees to everything and remembers the key it gave each request, by stage."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: dict[str, set[str]] = {}
        self.prompts: dict[str, list[str]] = {}

    async def complete(self, messages, *, stage, params=None):
        done = await super().complete(messages, stage=stage, params=params)
        self.keys.setdefault(stage, set()).add(done.request)
        self.prompts.setdefault(stage, []).append(messages[1]["content"])
        return done


def test_candidates_are_the_leafs_rated_instructions_without_context(sample_leaves):
    leaf = sample_leaves["freeform"]
    outcome, _ = _run(leaf, Recording(), 3)
    for sample in outcome.candidates:
        assert (sample.leaf, sample.kind, sample.form, sample.context, sample.score) == (
            leaf.leaf_id,
            "freeform_skill",
            "instruction",
            "",
            3,
        )
        assert sample.question.startswith("Item ")
        assert sample.user_turn == sample.question


def test_each_candidate_records_the_calls_it_came_from(sample_leaves):
    teacher = Recording()
    outcome, _ = _run(sample_leaves["freeform"], teacher, 12, number=2)
    stages = ["skill_questions", "question_judge", "skill_answer", "pair_rating"]
    for sample in outcome.candidates:
        made = sample.provenance
        assert [c.stage for c in made.calls] == stages
        assert all(c.request in teacher.keys[c.stage] for c in made.calls)
        assert (made.round, made.document, made.chunk) == (2, "", -1)
    # Each candidate has its own answer call; questions, verdicts and ratings come in batches.
    by_stage = [{s.provenance.calls[i] for s in outcome.candidates} for i in range(4)]
    assert [len(calls) for calls in by_stage] == [2, 2, 12, 3]


def test_a_later_round_asks_other_questions_and_skips_those_already_seen(sample_leaves):
    leaf = sample_leaves["freeform"]
    first, _ = _run(leaf, Recording(), 3)
    seen = frozenset(("", s.question) for s in first.candidates)
    teacher = Recording()
    # The same round again repeats its questions: all of them are known and not asked again.
    again, _ = _run(leaf, teacher, 3, seen=seen)
    assert again.candidates == ()
    assert {(r.stage, r.reason) for r in again.rejected} == {
        ("skill_questions", "duplicate_question")
    }
    assert teacher.calls["skill_answer"] == 0
    # A later round's prompts say which round they are: new requests, new questions.
    later, _ = _run(leaf, teacher, 3, number=2, seen=seen)
    assert len(later.candidates) == 3
    assert not {s.question for s in later.candidates} & {q for _, q in seen}
    assert "in round 2 for this skill" in teacher.prompts["skill_questions"][-1]


def _scripted(stage_texts):
    """An agreeable teacher whose answers for some stages are replaced (a function of the
    messages, or an exception to raise)."""

    class Scripted(projects.AgreeableTeacher):
        async def complete(self, messages, *, stage, params=None):
            done = await super().complete(messages, stage=stage, params=params)
            if stage not in stage_texts:
                return done
            scripted = stage_texts[stage]
            if isinstance(scripted, Exception):
                raise scripted
            return replace(done, text=scripted(messages) if callable(scripted) else scripted)

    return Scripted()


def test_low_ratings_become_rejections(sample_leaves):
    weak = json.dumps({"ratings": [{"id": 1, "explanation": "weak", "score": 1}] * 1})
    both = weak.replace("]", ', {"id": 2, "explanation": "weak", "score": 1}]')
    outcome, _ = _run(sample_leaves["freeform"], _scripted({"pair_rating": both}), 2)
    assert outcome.candidates == ()
    assert [(r.stage, r.reason, r.detail, r.score) for r in outcome.rejected] == [
        ("pair_rating", "low_score", "weak", 1)
    ] * 2
    assert [c.stage for c in outcome.rejected[0].provenance.calls][-1] == "pair_rating"


def test_a_rejection_before_the_rating_is_unscored_with_the_calls_so_far(sample_leaves):
    verdict = {"id": 1, "explanation": "off", "relevant": False, "harmless": True}
    refusing = json.dumps({"verdicts": [{**verdict, "answerable": True}]})
    outcome, _ = _run(sample_leaves["freeform"], _scripted({"question_judge": refusing}), 1)
    (rejection,) = outcome.rejected
    assert (rejection.stage, rejection.reason, rejection.score, rejection.answer) == (
        "question_judge",
        "irrelevant",
        0,
        "",
    )
    assert [c.stage for c in rejection.provenance.calls] == ["skill_questions", "question_judge"]


def test_an_item_missing_from_the_judges_answer_is_unparseable_never_a_pass(sample_leaves):
    def first_only(messages):
        return json.dumps(
            {"verdicts": [{"id": 1, "relevant": True, "harmless": True, "answerable": True}]}
        )

    outcome, _ = _run(sample_leaves["freeform"], _scripted({"question_judge": first_only}), 3)
    assert len(outcome.candidates) == 1
    assert [(r.stage, r.reason) for r in outcome.rejected] == [
        ("question_judge", "unparseable")
    ] * 2
    assert all("no valid verdict for item" in r.detail for r in outcome.rejected)


@pytest.mark.parametrize(
    ("stage", "text", "reason", "rejected"),
    [
        ("skill_questions", "Here are some questions!", "unparseable", 1),
        ("skill_questions", "", "unparseable", 1),
        ("question_judge", "They all look fine to me.", "unparseable", 3),
        ("question_judge", "", "unparseable", 3),
        ("skill_answer", "", "empty_answer", 3),
        ("skill_answer", "```\n\n```", "empty_answer", 3),
        ("pair_rating", '{"ratings": "all 3"}', "unparseable", 3),
        ("pair_rating", "", "unparseable", 3),
    ],
)
def test_malformed_and_empty_answers_are_counted_rejections(
    sample_leaves, stage, text, reason, rejected
):
    outcome, _ = _run(sample_leaves["freeform"], _scripted({stage: text}), 3)
    assert outcome.candidates == ()
    assert [(r.stage, r.reason) for r in outcome.rejected] == [(stage, reason)] * rejected


@pytest.mark.parametrize(
    ("stage", "rejected"),
    [("skill_questions", 1), ("question_judge", 3), ("skill_answer", 3), ("pair_rating", 3)],
)
def test_an_answer_cut_at_its_length_bound_is_a_truncated_rejection(sample_leaves, stage, rejected):
    outcome, caller = _run(sample_leaves["freeform"], _scripted({stage: TruncatedError("cut")}), 3)
    assert outcome.candidates == ()
    assert [(r.stage, r.reason) for r in outcome.rejected] == [(stage, "truncated")] * rejected
    for rejection in outcome.rejected:
        last = rejection.provenance.calls[-1]
        assert (last.stage, len(last.request)) == (stage, 64)
    # The truncated call counts: it was made, and the leaf's call bound sees it.
    assert stage in caller.stages


def test_the_prompt_estimate_carries_the_first_seed_examples(sample_leaves):
    leaf = sample_leaves["freeform"]
    prompt = freeform.skill_answer_prompt(leaf)
    assert prompt[0]["content"] == STAGES["skill_answer"].system_text
    shown = [q for _, q, _ in leaf.seed_pairs]
    assert all(q in prompt[1]["content"] for q in shown[:EXAMPLES_PER_ITEM])
    assert not any(q in prompt[1]["content"] for q in shown[EXAMPLES_PER_ITEM:])

"""The grounded pipeline: contexts first, then a skill round per context; exact call bounds."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

import projects
from labtax.pipelines import grounded
from labtax.pipelines.pipeline import Caller, LeafMaterial, RoundPlan

SAME = "One and the same context, twice."
UNIT = (-1, "grounded")


def _run(leaf, teacher, samples, *, number=1, seen=frozenset()):
    caller = Caller(teacher)
    plan = RoundPlan(number, {UNIT: samples}, seen)
    outcome = asyncio.run(grounded.run_round(leaf, LeafMaterial(leaf.text), caller, plan))
    return outcome, caller


@pytest.mark.parametrize("samples", [1, 3, 4, 15, 16, 31])
def test_the_round_call_bound_is_exact_when_everything_passes(sample_leaves, samples):
    teacher = projects.AgreeableTeacher()
    outcome, caller = _run(sample_leaves["grounded"], teacher, samples)
    assert len(outcome.candidates) == samples
    assert caller.usage.calls == grounded.round_calls({UNIT: samples})
    contexts = -(-samples // grounded.QUESTIONS_PER_CONTEXT)
    assert teacher.calls["grounded_contexts"] == -(-contexts // grounded.CONTEXTS_PER_CALL)
    # A context's questions are written, judged and rated in a call each.
    for stage in ("skill_questions", "question_judge", "pair_rating"):
        assert teacher.calls[stage] == contexts
    # Every sample is about one of the new contexts, at most QUESTIONS_PER_CONTEXT each.
    per_context: dict[str, int] = {}
    for sample in outcome.candidates:
        per_context[sample.context] = per_context.get(sample.context, 0) + 1
    assert len(per_context) == contexts
    assert max(per_context.values()) <= grounded.QUESTIONS_PER_CONTEXT
    assert "" not in per_context


def test_a_grounded_sample_carries_its_context_in_the_user_turn(sample_leaves):
    outcome, _ = _run(sample_leaves["grounded"], projects.AgreeableTeacher(), 4, number=3)
    for sample in outcome.candidates:
        assert (sample.kind, sample.form) == ("grounded_skill", "grounded")
        assert sample.user_turn == sample.context + "\n\n" + sample.question
        stages = [c.stage for c in sample.provenance.calls]
        # The context came from a call too: it heads the sample's provenance.
        assert stages == [
            "grounded_contexts",
            "skill_questions",
            "question_judge",
            "skill_answer",
            "pair_rating",
        ]
        assert sample.provenance.round == 3


class Repetitive(projects.AgreeableTeacher):
    async def complete(self, messages, *, stage, params=None):
        done = await super().complete(messages, stage=stage, params=params)
        if stage == "grounded_contexts":
            return replace(done, text=json.dumps({"contexts": [SAME, SAME]}))
        return done


def test_duplicate_contexts_are_rejections(sample_leaves):
    outcome, _ = _run(sample_leaves["grounded"], Repetitive(), 6)
    assert [(r.stage, r.reason) for r in outcome.rejected] == [
        ("grounded_contexts", "duplicate_context")
    ]
    (duplicate,) = outcome.rejected
    assert (duplicate.form, duplicate.context, duplicate.question) == ("grounded", SAME, "")
    assert [c.stage for c in duplicate.provenance.calls] == ["grounded_contexts"]
    assert {s.context for s in outcome.candidates} == {SAME}
    assert len(outcome.candidates) == grounded.QUESTIONS_PER_CONTEXT


def test_a_context_an_earlier_round_had_is_not_used_again(sample_leaves):
    seen = frozenset({(SAME, "An earlier question?")})
    outcome, caller = _run(sample_leaves["grounded"], Repetitive(), 3, number=2, seen=seen)
    assert outcome.candidates == ()
    assert [(r.reason, r.context) for r in outcome.rejected] == [("duplicate_context", SAME)]
    assert caller.stages == {"grounded_contexts"}


@pytest.mark.parametrize("text", ["", "Some contexts: one, two.", '{"contexts": "one"}'])
def test_an_unusable_context_answer_is_an_unparseable_rejection(sample_leaves, text):
    class Garbled(projects.AgreeableTeacher):
        async def complete(self, messages, *, stage, params=None):
            done = await super().complete(messages, stage=stage, params=params)
            return replace(done, text=text) if stage == "grounded_contexts" else done

    outcome, _ = _run(sample_leaves["grounded"], Garbled(), 3)
    assert outcome.candidates == ()
    assert [(r.stage, r.reason, r.context) for r in outcome.rejected] == [
        ("grounded_contexts", "unparseable", "")
    ]

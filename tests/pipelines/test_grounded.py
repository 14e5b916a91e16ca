"""The grounded pipeline: contexts first, then a skill round per context; exact call estimates."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

import projects
from labtax.pipelines import grounded
from labtax.pipelines.pipeline import Caller, LeafMaterial, PipelineSettings

SAME = "One and the same context, twice."


@pytest.mark.parametrize("samples", [1, 3, 4, 15, 16, 31])
def test_the_call_estimate_is_exact_when_everything_passes(sample_leaves, samples):
    leaf = sample_leaves["grounded"]
    teacher = projects.AgreeableTeacher()
    caller = Caller(teacher)
    settings = PipelineSettings(samples)
    outcome = asyncio.run(grounded.run(leaf, LeafMaterial(leaf.text), caller, settings))
    assert len(outcome.candidates) == samples
    assert caller.usage.calls == grounded.estimated_calls(samples)
    contexts = -(-samples // grounded.QUESTIONS_PER_CONTEXT)
    assert teacher.calls["grounded_contexts"] == -(-contexts // grounded.CONTEXTS_PER_CALL)
    assert teacher.calls["skill_questions"] == contexts
    # Every sample is about one of the new contexts, at most QUESTIONS_PER_CONTEXT each.
    per_context: dict[str, int] = {}
    for sample in outcome.candidates:
        per_context[sample.context] = per_context.get(sample.context, 0) + 1
    assert len(per_context) == contexts
    assert max(per_context.values()) <= grounded.QUESTIONS_PER_CONTEXT
    assert "" not in per_context


def test_a_grounded_sample_carries_its_context_in_the_user_turn(sample_leaves):
    leaf = sample_leaves["grounded"]
    caller = Caller(projects.AgreeableTeacher())
    outcome = asyncio.run(grounded.run(leaf, LeafMaterial(leaf.text), caller, PipelineSettings(4)))
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


def test_duplicate_contexts_are_rejections(sample_leaves):
    class Repetitive(projects.AgreeableTeacher):
        async def complete(self, messages, *, stage):
            done = await super().complete(messages, stage=stage)
            if stage == "grounded_contexts":
                return replace(done, text=json.dumps({"contexts": [SAME, SAME]}))
            return done

    leaf = sample_leaves["grounded"]
    caller = Caller(Repetitive())
    outcome = asyncio.run(grounded.run(leaf, LeafMaterial(leaf.text), caller, PipelineSettings(6)))
    assert [(r.stage, r.reason) for r in outcome.rejected] == [
        ("grounded_contexts", "duplicate_context")
    ]
    (duplicate,) = outcome.rejected
    assert (duplicate.form, duplicate.context, duplicate.question) == ("grounded", SAME, "")
    assert [c.stage for c in duplicate.provenance.calls] == ["grounded_contexts"]
    assert {s.context for s in outcome.candidates} == {SAME}
    assert len(outcome.candidates) == grounded.QUESTIONS_PER_CONTEXT

"""The freeform pipeline: its call estimate is exact when every candidate passes, and its stages
turn the teacher's answers into samples and rejections."""

from __future__ import annotations

import asyncio

import pytest

import projects
from labtax.pipelines import freeform
from labtax.pipelines.pipeline import Caller, LeafMaterial, PipelineSettings
from labtax.teacher import Completion


def _run(leaf, teacher, samples):
    caller = Caller(teacher)
    outcome = asyncio.run(
        freeform.run(leaf, LeafMaterial(leaf.text), caller, PipelineSettings(samples))
    )
    return outcome, caller


@pytest.mark.parametrize("samples", [1, 4, 5, 6, 12])
def test_the_call_estimate_is_exact_when_everything_passes(sample_leaves, samples):
    teacher = projects.AgreeableTeacher()
    outcome, caller = _run(sample_leaves["freeform"], teacher, samples)
    assert len(outcome.candidates) == samples
    assert outcome.rejected == ()
    assert caller.usage.calls == freeform.estimated_calls(samples) == sum(teacher.calls.values())
    assert teacher.calls["skill_questions"] == len(range(0, samples, freeform.QUESTIONS_PER_CALL))
    for stage in ("question_judge", "skill_answer", "pair_rating"):
        assert teacher.calls[stage] == samples


def test_candidates_are_the_leafs_rated_pairs_without_context(sample_leaves):
    leaf = sample_leaves["freeform"]
    outcome, _ = _run(leaf, projects.AgreeableTeacher(), 3)
    for sample in outcome.candidates:
        assert (sample.leaf, sample.kind, sample.context, sample.score) == (
            leaf.leaf_id,
            "freeform_skill",
            None,
            3,
        )
        assert sample.question.startswith("Item ")


def test_low_ratings_become_rejections(sample_leaves):
    class Strict(projects.AgreeableTeacher):
        async def complete(self, messages, *, stage):
            done = await super().complete(messages, stage=stage)
            if stage == "pair_rating":
                return Completion('{"explanation": "weak", "score": 1}', 1, 1, None, cached=False)
            return done

    outcome, _ = _run(sample_leaves["freeform"], Strict(), 2)
    assert outcome.candidates == ()
    assert [(r.stage, r.reason, r.detail, r.score) for r in outcome.rejected] == [
        ("pair_rating", "low_score", "weak", 1)
    ] * 2


def test_the_prompt_estimate_carries_the_seed_examples(sample_leaves):
    leaf = sample_leaves["freeform"]
    prompt = freeform.skill_answer_prompt(leaf, 10)
    assert prompt[0]["content"].startswith("labtax-stage: skill_answer")
    assert all(q in prompt[1]["content"] for _, q, _ in leaf.seed_pairs)

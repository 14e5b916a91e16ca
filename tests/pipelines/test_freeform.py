"""The freeform pipeline: its call estimate is exact when every candidate passes, and its stages
turn the teacher's answers into samples and rejections."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

import projects
from labtax.pipelines import freeform
from labtax.pipelines.pipeline import Caller, LeafMaterial, PipelineSettings


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


class Recording(projects.AgreeableTeacher):
    """Agrees to everything and remembers the key it gave each request, by stage."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: dict[str, set[str]] = {}

    async def complete(self, messages, *, stage):
        done = await super().complete(messages, stage=stage)
        self.keys.setdefault(stage, set()).add(done.request)
        return done


def test_candidates_are_the_leafs_rated_instructions_without_context(sample_leaves):
    leaf = sample_leaves["freeform"]
    teacher = Recording()
    outcome, _ = _run(leaf, teacher, 3)
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
    outcome, _ = _run(sample_leaves["freeform"], teacher, 6)
    stages = ["skill_questions", "question_judge", "skill_answer", "pair_rating"]
    for sample in outcome.candidates:
        made = sample.provenance
        assert [c.stage for c in made.calls] == stages
        assert all(c.request in teacher.keys[c.stage] for c in made.calls)
        assert (made.round, made.document, made.chunk) == (1, "", -1)
    # Each candidate has its own judge, answer and rating calls; a batch of questions is shared.
    assert len({s.provenance.calls[1:] for s in outcome.candidates}) == 6
    assert len({s.provenance.calls[0] for s in outcome.candidates}) == 2


def test_low_ratings_become_rejections(sample_leaves):
    class Strict(projects.AgreeableTeacher):
        async def complete(self, messages, *, stage):
            done = await super().complete(messages, stage=stage)
            if stage == "pair_rating":
                return replace(done, text='{"explanation": "weak", "score": 1}')
            return done

    outcome, _ = _run(sample_leaves["freeform"], Strict(), 2)
    assert outcome.candidates == ()
    assert [(r.stage, r.reason, r.detail, r.score) for r in outcome.rejected] == [
        ("pair_rating", "low_score", "weak", 1)
    ] * 2
    assert [c.stage for c in outcome.rejected[0].provenance.calls][-1] == "pair_rating"


def test_a_rejection_before_the_rating_is_unscored_with_the_calls_so_far(sample_leaves):
    class Refusing(projects.AgreeableTeacher):
        async def complete(self, messages, *, stage):
            done = await super().complete(messages, stage=stage)
            if stage == "question_judge":
                verdict = {"explanation": "off", "relevant": False, "harmless": True}
                return replace(done, text=json.dumps({**verdict, "answerable": True}))
            return done

    outcome, _ = _run(sample_leaves["freeform"], Refusing(), 1)
    (rejection,) = outcome.rejected
    assert (rejection.stage, rejection.score, rejection.answer) == ("question_judge", 0, "")
    assert [c.stage for c in rejection.provenance.calls] == ["skill_questions", "question_judge"]


def test_the_prompt_estimate_carries_the_seed_examples(sample_leaves):
    leaf = sample_leaves["freeform"]
    prompt = freeform.skill_answer_prompt(leaf, 10)
    assert prompt[0]["content"].startswith("labtax-stage: skill_answer")
    assert all(q in prompt[1]["content"] for _, q, _ in leaf.seed_pairs)

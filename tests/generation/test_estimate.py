"""Estimating a plan: each leaf's call bound over its rounds, its prompt estimate, priced through
the teacher."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import projects
from labtax import documents
from labtax.config import load_config
from labtax.generation import rounds
from labtax.generation.estimate import estimate_plan
from labtax.generation.plan import Plan, Selection, make_plan
from labtax.generation.rounds import leaf_call_bound
from labtax.generation.run import pipeline_settings, run_plan
from labtax.pipelines import PIPELINES
from labtax.prompts import STAGES, stage_of
from labtax.teacher import Teacher
from labtax.util import estimate_message_tokens


class Pricer:
    def __init__(self, per_call: float | None) -> None:
        self.per_call = per_call
        self.asked: list[str | None] = []

    async def estimate_cost(self, messages, params=None):
        self.asked.append(stage_of(messages))
        return self.per_call


def test_estimates_are_each_pipelines_bounds_priced_per_call(project):
    config = load_config(project)
    plan = make_plan(config, Selection())
    pricer = Pricer(0.01)
    estimates = asyncio.run(estimate_plan(config, plan, pricer))
    assert [e.leaf_id for e in estimates] == [leaf.leaf_id for leaf in plan.generate]
    settings = pipeline_settings(config)
    store = documents.DocumentStore(config)
    for item, leaf in zip(estimates, plan.generate, strict=True):
        pipeline = PIPELINES[leaf.kind]
        material = asyncio.run(pipeline.material(leaf, store, settings))
        assert item.kind == leaf.kind.value
        assert item.calls == leaf_call_bound(pipeline, material, settings)
        prompt = pipeline.estimated_prompt(leaf, material)
        assert item.prompt_tokens == item.calls * estimate_message_tokens(prompt)
        assert item.cost_usd == 0.01 * item.calls
    # Skills are priced on the answer prompt (it carries the seeds), knowledge on pair writing.
    assert pricer.asked == ["skill_answer", "skill_answer", "knowledge_qa", "knowledge_qa"]
    assert set(pricer.asked) <= set(STAGES)


def test_the_bound_holds_a_real_run_and_max_calls_per_leaf_caps_it(project):
    config = load_config(project)
    plan = make_plan(config, Selection())
    settings = pipeline_settings(config)
    store = documents.DocumentStore(config)
    teacher = Teacher(config.teacher, projects.InProcessTransport(), cache=None)
    summary = asyncio.run(run_plan(config, plan, teacher))
    for result, leaf in zip(summary.results, plan.generate, strict=True):
        pipeline = PIPELINES[leaf.kind]
        material = asyncio.run(pipeline.material(leaf, store, settings))
        assert result.usage.calls <= leaf_call_bound(pipeline, material, settings)
        capped = replace(settings, generation=replace(settings.generation, max_calls_per_leaf=7))
        assert leaf_call_bound(pipeline, material, capped) == 7
    # Every unit asking for its most, over the rounds allowed.
    leaf = plan.generate[1]
    pipeline, material = (
        PIPELINES[leaf.kind],
        asyncio.run(PIPELINES[leaf.kind].material(leaf, store, settings)),
    )
    targets = pipeline.targets(material, settings)
    most = {u: rounds.MAX_ASKED_PER_TARGET * t for u, t in targets.items()}
    later = (settings.generation.max_rounds - 1) * pipeline.round_calls(dict.fromkeys(targets, 1))
    assert leaf_call_bound(pipeline, material, settings) == pipeline.round_calls(most) + later


def test_unknown_prices_stay_unknown_and_an_empty_plan_asks_for_none(project):
    config = load_config(project)
    estimates = asyncio.run(estimate_plan(config, make_plan(config, Selection()), Pricer(None)))
    assert {e.cost_usd for e in estimates} == {None}
    nothing = Plan(generate=())
    pricer = Pricer(1.0)
    assert asyncio.run(estimate_plan(config, nothing, pricer)) == []
    assert pricer.asked == []


def test_without_a_pricer_nothing_is_priced(project):
    config = load_config(project)
    plan = make_plan(config, Selection())
    estimates = asyncio.run(estimate_plan(config, plan, None))
    assert len(estimates) == len(plan.generate)
    assert all(e.cost_usd is None and e.calls > 0 for e in estimates)

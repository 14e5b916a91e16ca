"""Estimating a plan: each kind's call bound and prompt estimate, priced through the teacher."""

from __future__ import annotations

import asyncio

from labtax.config import load_config
from labtax.generation.estimate import estimate_plan
from labtax.generation.plan import Plan, Selection, make_plan
from labtax.pipelines import PIPELINES
from labtax.util import estimate_message_tokens


class Pricer:
    def __init__(self, per_call: float | None) -> None:
        self.per_call = per_call
        self.asked: list[str] = []

    async def estimate_cost(self, messages, params=None):
        self.asked.append(messages[0]["content"].splitlines()[0])
        return self.per_call


def test_estimates_are_each_pipelines_bounds_priced_per_call(project):
    plan = make_plan(load_config(project), Selection())
    pricer = Pricer(0.01)
    estimates = asyncio.run(estimate_plan(plan, 7, pricer))
    assert [e.leaf_id for e in estimates] == [leaf.leaf_id for leaf in plan.generate]
    for item, leaf in zip(estimates, plan.generate, strict=True):
        pipeline = PIPELINES[leaf.kind]
        assert item.kind == leaf.kind.value
        assert item.calls == pipeline.estimated_calls(7)
        prompt = pipeline.estimated_prompt(leaf, 7)
        assert item.prompt_tokens == item.calls * estimate_message_tokens(prompt)
        assert item.cost_usd == 0.01 * item.calls
    # Skills are priced on the answer prompt (it carries the seeds), knowledge on pair writing.
    assert pricer.asked == [
        "labtax-stage: skill_answer",
        "labtax-stage: skill_answer",
        "labtax-stage: knowledge_qa",
        "labtax-stage: knowledge_qa",
    ]


def test_unknown_prices_stay_unknown_and_an_empty_plan_asks_for_none(project):
    config = load_config(project)
    estimates = asyncio.run(estimate_plan(make_plan(config, Selection()), 3, Pricer(None)))
    assert {e.cost_usd for e in estimates} == {None}
    nothing = Plan(generate=())
    pricer = Pricer(1.0)
    assert asyncio.run(estimate_plan(nothing, 3, pricer)) == []
    assert pricer.asked == []


def test_without_a_pricer_nothing_is_priced(project):
    plan = make_plan(load_config(project), Selection())
    estimates = asyncio.run(estimate_plan(plan, 7, None))
    assert len(estimates) == len(plan.generate)
    assert all(e.cost_usd is None and e.calls > 0 for e in estimates)

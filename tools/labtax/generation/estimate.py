"""Estimating a plan for `--dry-run`: each leaf's calls (an upper bound), prompt tokens and cost.

Each leaf kind's pipeline states its call bound and a prompt whose size stands for its calls. What
that prompt costs comes from the teacher's transport (litellm's price table), asked only when prices
are wanted (`--price`, `--max-cost`) and there is a leaf to price: otherwise a dry run never loads
litellm and is never slower than a fully cached run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from labtax.generation.plan import Plan
from labtax.pipelines import PIPELINES
from labtax.prompts import Message
from labtax.util import estimate_message_tokens


class Pricer(Protocol):
    """Prices one request (`labtax.teacher.Teacher`, through its transport)."""

    async def estimate_cost(self, messages: Sequence[Message]) -> float | None: ...


@dataclass(frozen=True)
class LeafEstimate:
    """At most `calls` calls and `prompt_tokens` prompt tokens; `cost_usd` None: price unknown."""

    leaf_id: str
    kind: str
    calls: int
    prompt_tokens: int
    cost_usd: float | None


async def estimate_plan(plan: Plan, samples: int, pricer: Pricer | None) -> list[LeafEstimate]:
    """Every leaf to generate with its estimates: every candidate passing, every call the size of
    the pipeline's estimated prompt. With no `pricer`, costs are left unknown (None)."""
    out = []
    for leaf in plan.generate:
        pipeline = PIPELINES[leaf.kind]
        calls = pipeline.estimated_calls(samples)
        prompt = pipeline.estimated_prompt(leaf, samples)
        per_call = None if pricer is None else await pricer.estimate_cost(prompt)
        cost = None if per_call is None else per_call * calls
        tokens = calls * estimate_message_tokens(prompt)
        out.append(LeafEstimate(leaf.leaf_id, leaf.kind.value, calls, tokens, cost))
    return out

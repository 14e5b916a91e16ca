"""Estimating a plan for `--dry-run`: each leaf's calls (an upper bound), prompt tokens and cost.

A leaf's calls are bounded by its rounds: all its units asking for as many candidates as they ever
may (`rounds.MAX_ASKED_PER_TARGET` times their target), spread over `max_rounds` rounds, and never
more than `max_calls_per_leaf`. A knowledge leaf's target depends on its chunks, so a dry run
reads its documents (a remote repository is fetched once, into the cache, as a run would). Each
call is priced as the pipeline's estimated prompt; what that prompt costs comes from the teacher's
transport (litellm's price table), asked only when prices are wanted (`--price`, `--max-cost`)
and there is a leaf to price: otherwise a dry run never loads litellm and is never slower than a
fully cached run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from labtax import documents
from labtax.config import Config
from labtax.generation.plan import Plan
from labtax.generation.rounds import leaf_call_bound
from labtax.generation.run import pipeline_settings
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


async def estimate_plan(config: Config, plan: Plan, pricer: Pricer | None) -> list[LeafEstimate]:
    """Every leaf to generate with its estimates: its call bound, every call the size of the
    pipeline's estimated prompt. With no `pricer`, costs are left unknown (None)."""
    settings = pipeline_settings(config)
    store = documents.DocumentStore(config)
    out = []
    for leaf in plan.generate:
        pipeline = PIPELINES[leaf.kind]
        material = await pipeline.material(leaf, store, settings)
        calls = leaf_call_bound(pipeline, material, settings)
        prompt = pipeline.estimated_prompt(leaf, material)
        per_call = None if pricer is None else await pricer.estimate_cost(prompt)
        cost = None if per_call is None else per_call * calls
        tokens = calls * estimate_message_tokens(prompt)
        out.append(LeafEstimate(leaf.leaf_id, leaf.kind.value, calls, tokens, cost))
    return out

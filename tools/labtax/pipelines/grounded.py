"""Grounded skills: new contexts in the style of the seed ones, then skill stages per context.

A round asks for its questions `QUESTIONS_PER_CONTEXT` to a new context (sdg asks about 3 per
context). A grounded sample's user turn is its context, a blank line, then the instruction
(`grounded` form): the instruction means nothing without the context it is about.
"""

from __future__ import annotations

from collections.abc import Mapping

from labtax.dataset.records import GROUNDED, UNSCORED, Call, Provenance, Rejection, Sample
from labtax.leaves import Leaf
from labtax.pipelines import freeform
from labtax.pipelines.pipeline import (
    Caller,
    LeafMaterial,
    Outcome,
    Pipeline,
    RoundPlan,
    Unit,
    asked,
    batches,
    gather_all,
    seeds_only,
    shown_examples,
    skill_targets,
    split,
    task_of,
)
from labtax.prompts import grounded_contexts, render

CONTEXTS_PER_CALL = 5
QUESTIONS_PER_CONTEXT = 3


def round_calls(asks: Mapping[Unit, int]) -> int:
    """Context-writing calls, then a skill round for each context's share of the questions."""
    shares = split(sum(asks.values()), QUESTIONS_PER_CONTEXT)
    return batches(len(shares), CONTEXTS_PER_CALL) + sum(freeform.skill_calls(n) for n in shares)


async def run_round(leaf: Leaf, material: LeafMaterial, caller: Caller, plan: RoundPlan) -> Outcome:
    """Write new contexts, then generate, judge, answer and rate questions about each of them."""
    shares = split(asked(plan), QUESTIONS_PER_CONTEXT)
    parts = split(len(shares), CONTEXTS_PER_CALL)
    task, shown = task_of(leaf), shown_examples(leaf)
    extras = {"batches": str(len(parts)), "round": str(plan.number)}
    replies = await gather_all(
        caller.ask(
            "grounded_contexts",
            render(
                "grounded_contexts",
                {"task": task, "examples": shown, "count": str(n)},
                {**extras, "batch": str(i)},
            ),
        )
        for i, n in enumerate(parts, 1)
    )
    contexts: list[tuple[str, Call]] = []
    seen = {context for context, _ in plan.seen}
    rejected: list[Rejection] = []
    for wanted, reply in zip(parts, replies, strict=True):
        parsed = None if reply.failure else grounded_contexts.parse(reply.text)
        if parsed is None:
            reason = reply.failure or "unparseable"
            blank = _blank(leaf, "", reply.call, plan.number)
            rejected.append(blank.reject("grounded_contexts", reason, reply.text))
            continue
        for context in parsed[:wanted]:
            if context in seen:
                blank = _blank(leaf, context, reply.call, plan.number)
                rejected.append(blank.reject("grounded_contexts", "duplicate_context"))
            else:
                seen.add(context)
                contexts.append((context, reply.call))
    rounds = await gather_all(
        freeform.skill_round(
            leaf, caller, count, plan, form=GROUNDED, context=context, origin=(call,)
        )
        for (context, call), count in zip(contexts, shares, strict=False)
    )
    return Outcome.merge([Outcome((), tuple(rejected)), *rounds])


def _blank(leaf: Leaf, context: str, call: Call, number: int) -> Sample:
    """A candidate that never got a question: a context, or not even that."""
    made = Provenance((call,), number)
    return Sample(leaf.leaf_id, leaf.kind.value, GROUNDED, context, "", "", UNSCORED, made)


PIPELINE = Pipeline(
    material=seeds_only,
    targets=skill_targets(GROUNDED),
    round_calls=round_calls,
    estimated_prompt=freeform.skill_answer_prompt,
    run_round=run_round,
    context_scoped=True,
)

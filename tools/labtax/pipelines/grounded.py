"""Grounded skills: new contexts in the style of the seed ones, then skill stages per context.

A grounded sample's user turn is its context, a blank line, then the instruction (`grounded`
form): the instruction means nothing without the context it is about.
"""

from __future__ import annotations

from labtax.dataset.records import GROUNDED, UNSCORED, Call, Provenance, Rejection, Sample
from labtax.leaves import Leaf
from labtax.pipelines import freeform
from labtax.pipelines.pipeline import (
    Caller,
    LeafMaterial,
    Outcome,
    Pipeline,
    PipelineSettings,
    gather_all,
    seeds_only,
    shown_examples,
    split,
    task_of,
)
from labtax.prompts import grounded_contexts, render

CONTEXTS_PER_CALL = 5
QUESTIONS_PER_CONTEXT = 3


def estimated_calls(samples: int) -> int:
    """Context-writing calls, then a skill round for each context's share of the questions."""
    shares = split(samples, QUESTIONS_PER_CONTEXT)
    return len(split(len(shares), CONTEXTS_PER_CALL)) + sum(
        freeform.estimated_calls(n) for n in shares
    )


async def run(
    leaf: Leaf, material: LeafMaterial, caller: Caller, settings: PipelineSettings
) -> Outcome:
    """Write new contexts, then generate, judge, answer and rate questions about each of them."""
    shares = split(settings.samples, QUESTIONS_PER_CONTEXT)
    batches = split(len(shares), CONTEXTS_PER_CALL)
    task, shown = task_of(leaf), shown_examples(leaf)
    replies = await gather_all(
        caller.ask(
            "grounded_contexts",
            render(
                "grounded_contexts",
                {"task": task, "examples": shown, "count": str(n)},
                {"batch": str(i), "batches": str(len(batches))},
            ),
        )
        for i, n in enumerate(batches, 1)
    )
    contexts: list[tuple[str, Call]] = []
    seen: set[str] = set()
    rejected: list[Rejection] = []
    for asked, reply in zip(batches, replies, strict=True):
        parsed = grounded_contexts.parse(reply.text)
        if parsed is None:
            blank = _blank(leaf, "", reply.call)
            rejected.append(blank.reject("grounded_contexts", "unparseable", reply.text))
            continue
        for context in parsed[:asked]:
            if context in seen:
                blank = _blank(leaf, context, reply.call)
                rejected.append(blank.reject("grounded_contexts", "duplicate_context"))
            else:
                seen.add(context)
                contexts.append((context, reply.call))
    rounds = await gather_all(
        freeform.skill_round(leaf, caller, count, form=GROUNDED, context=context, origin=(call,))
        for (context, call), count in zip(contexts, shares, strict=False)
    )
    return Outcome.merge([Outcome((), tuple(rejected)), *rounds])


def _blank(leaf: Leaf, context: str, call: Call) -> Sample:
    """A candidate that never got a question: a context, or not even that."""
    return Sample(
        leaf.leaf_id, leaf.kind.value, GROUNDED, context, "", "", UNSCORED, Provenance((call,))
    )


PIPELINE = Pipeline(
    estimated_calls, freeform.skill_answer_prompt, seeds_only, run, context_scoped=True
)

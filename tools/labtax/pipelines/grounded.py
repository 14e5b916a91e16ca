"""Grounded skills: new contexts in the style of the seed ones, then skill stages per context."""

from __future__ import annotations

from labtax.dataset.records import Rejection, Sample
from labtax.leaves import Leaf
from labtax.pipelines import (
    CONTEXTS_PER_CALL,
    QUESTIONS_PER_CONTEXT,
    Caller,
    Outcome,
    Settings,
    gather_all,
    skill_examples,
    split,
    task_of,
)
from labtax.pipelines.freeform import skill_round
from labtax.prompts import format_examples, grounded_contexts, render


async def run(leaf: Leaf, caller: Caller, settings: Settings) -> Outcome:
    """Write new contexts, then generate, judge, answer and rate questions about each of them."""
    examples = skill_examples(leaf)
    shares = split(settings.samples, QUESTIONS_PER_CONTEXT)
    batches = split(len(shares), CONTEXTS_PER_CALL)
    task, shown = task_of(leaf), format_examples(examples)
    answers = await gather_all(
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
    contexts: list[str] = []
    rejected: list[Rejection] = []
    for asked, text in zip(batches, answers, strict=True):
        parsed = grounded_contexts.parse(text)
        if parsed is None:
            blank = Sample(leaf.leaf_id, leaf.kind.value, None, "", "")
            rejected.append(blank.reject("grounded_contexts", "unparseable", text))
            continue
        for context in parsed[:asked]:
            if context in contexts:
                blank = Sample(leaf.leaf_id, leaf.kind.value, context, "", "")
                rejected.append(blank.reject("grounded_contexts", "duplicate_context"))
            else:
                contexts.append(context)
    rounds = await gather_all(
        skill_round(leaf, caller, examples, count, context)
        for context, count in zip(contexts, shares, strict=False)
    )
    return Outcome.merge([Outcome((), tuple(rejected)), *rounds])

"""Freeform skills: questions -> question judge -> answers -> pair rating (keep scores >= 2).

`skill_round` is also the per-context step of grounded skills, which pass the context along, and
`skill_answer_prompt` their prompt estimate too.
"""

from __future__ import annotations

from dataclasses import dataclass

from labtax.dataset.records import Rejection, Sample
from labtax.leaves import Leaf
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
from labtax.prompts import (
    Message,
    pair_rating,
    question_judge,
    render,
    skill_answer,
    skill_questions,
)

QUESTIONS_PER_CALL = 5
MIN_SCORE = 2
# Per question: judge it, answer it, rate the pair.
CALLS_PER_QUESTION = 3

USING_CONTEXT = " using the context in <context>"
GROUNDING = " Every question must be about the context in <context> and answerable from it."


def estimated_calls(samples: int) -> int:
    """Question-writing calls, then judge, answer and rating for every question."""
    return len(split(samples, QUESTIONS_PER_CALL)) + CALLS_PER_QUESTION * samples


def skill_answer_prompt(leaf: Leaf, samples: int = 1) -> list[Message]:
    """The skill_answer prompt: it carries the seed examples, so its size stands for a skill's
    calls (the judge and rating prompts are smaller, the question prompts about as large)."""
    return render(
        "skill_answer",
        {"task": task_of(leaf), "examples": shown_examples(leaf), "question": "?"},
        {"using_context": ""},
    )


async def run(
    leaf: Leaf, material: LeafMaterial, caller: Caller, settings: PipelineSettings
) -> Outcome:
    """Generate, judge, answer and rate `settings.samples` questions for a freeform skill leaf."""
    return await skill_round(leaf, caller, settings.samples, None)


async def skill_round(leaf: Leaf, caller: Caller, count: int, context: str | None) -> Outcome:
    """One round of the skill stages for `count` new questions (about `context`, when given)."""
    task = task_of(leaf)
    shown = shown_examples(leaf)
    batches = split(count, QUESTIONS_PER_CALL)
    extras = {"grounding": GROUNDING if context else "", "batches": str(len(batches))}
    answers = await gather_all(
        caller.ask(
            "skill_questions",
            render(
                "skill_questions",
                {"task": task, "examples": shown, "count": str(n), "context": context},
                {**extras, "batch": str(i)},
            ),
        )
        for i, n in enumerate(batches, 1)
    )
    questions: list[str] = []
    rejected: list[Rejection] = []
    blank = Sample(leaf.leaf_id, leaf.kind.value, context, "", "")
    for asked, text in zip(batches, answers, strict=True):
        parsed = skill_questions.parse(text)
        if parsed is None:
            rejected.append(blank.reject("skill_questions", "unparseable", text))
            continue
        for question in parsed[:asked]:
            if question in questions:
                candidate = Sample(leaf.leaf_id, leaf.kind.value, context, question, "")
                rejected.append(candidate.reject("skill_questions", "duplicate_question"))
            else:
                questions.append(question)
    one = _Round(leaf, caller, task, shown, context)
    results = await gather_all(one.question(q) for q in questions)
    kept = tuple(r for r in results if isinstance(r, Sample))
    rejected.extend(r for r in results if isinstance(r, Rejection))
    return Outcome(kept, tuple(rejected))


@dataclass(frozen=True)
class _Round:
    leaf: Leaf
    caller: Caller
    task: str
    shown: str
    context: str | None

    def sample(self, question: str, answer: str = "", score: int | None = None) -> Sample:
        return Sample(
            self.leaf.leaf_id, self.leaf.kind.value, self.context, question, answer, score
        )

    async def question(self, question: str) -> Sample | Rejection:
        """Judge, answer and rate one candidate question."""
        task, context, ask = self.task, self.context, self.caller.ask
        using = {"using_context": USING_CONTEXT if context else ""}
        text = await ask(
            "question_judge",
            render("question_judge", {"task": task, "question": question, "context": context}),
        )
        verdict = question_judge.parse(text)
        if verdict is None:
            return self.sample(question).reject("question_judge", "unparseable", text)
        if verdict.reason is not None:
            return self.sample(question).reject(
                "question_judge", verdict.reason, verdict.explanation
            )
        sections = {"task": task, "examples": self.shown, "question": question, "context": context}
        answer = skill_answer.parse(
            await ask("skill_answer", render("skill_answer", sections, using))
        )
        if not answer:
            return self.sample(question).reject("skill_answer", "empty_answer")
        text = await ask(
            "pair_rating",
            render(
                "pair_rating",
                {"task": task, "question": question, "answer": answer, "context": context},
                using,
            ),
        )
        rating = pair_rating.parse(text)
        if rating is None:
            return self.sample(question, answer).reject("pair_rating", "unparseable", text)
        rated = self.sample(question, answer, rating.score)
        if rating.score < MIN_SCORE:
            return rated.reject("pair_rating", "low_score", rating.explanation)
        return rated


PIPELINE = Pipeline(estimated_calls, skill_answer_prompt, seeds_only, run)

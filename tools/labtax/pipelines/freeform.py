"""Freeform skills: questions -> question judge -> answers -> pair rating (keep scores >= 2).

Questions are written `QUESTIONS_PER_CALL` to a call; the judge grades a round's questions
`JUDGE_BATCH` to a call and the rater its answered pairs `RATING_BATCH` to a call (answers can be
long), each item with its own verdict; every answer is its own call. `skill_round` is also the
per-context step of grounded skills, which pass the context along (with the calls it came from),
and `skill_answer_prompt` their prompt estimate too. A freeform sample is an `instruction`: its
user turn is the question alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from labtax.dataset.records import (
    INSTRUCTION,
    UNSCORED,
    Call,
    Form,
    Provenance,
    Rejection,
    Sample,
)
from labtax.leaves import Leaf
from labtax.pipelines.judging import judge
from labtax.pipelines.pipeline import (
    EXAMPLES_PER_ITEM,
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
from labtax.prompts import (
    Message,
    pair_rating,
    question_judge,
    render,
    skill_answer,
    skill_questions,
)

QUESTIONS_PER_CALL = 10
JUDGE_BATCH = 10
RATING_BATCH = 5
MIN_SCORE = 2

USING_CONTEXT = " using the context in <context>"
GROUNDING = " Every question must be about the context in <context> and answerable from it."


def skill_calls(count: int) -> int:
    """At most: question-writing calls, judge calls, an answer per question, rating calls."""
    return (
        batches(count, QUESTIONS_PER_CALL)
        + batches(count, JUDGE_BATCH)
        + count
        + batches(count, RATING_BATCH)
    )


def round_calls(asks: Mapping[Unit, int]) -> int:
    return skill_calls(sum(asks.values()))


def skill_answer_prompt(leaf: Leaf, material: LeafMaterial | None = None) -> list[Message]:
    """The skill_answer prompt: it carries the seed examples, so its size stands for a skill's
    calls (the judges' prompts are smaller, the question prompts about as large)."""
    return render(
        "skill_answer",
        {
            "task": task_of(leaf),
            "examples": shown_examples(leaf, EXAMPLES_PER_ITEM),
            "question": "?",
        },
        {"using_context": ""},
    )


async def run_round(leaf: Leaf, material: LeafMaterial, caller: Caller, plan: RoundPlan) -> Outcome:
    """Generate, judge, answer and rate the questions a round asks for."""
    return await skill_round(leaf, caller, asked(plan), plan)


async def skill_round(
    leaf: Leaf,
    caller: Caller,
    count: int,
    plan: RoundPlan,
    *,
    form: Form = INSTRUCTION,
    context: str = "",
    origin: tuple[Call, ...] = (),
) -> Outcome:
    """The skill stages for `count` new questions in round `plan.number` (about `context`, when
    given, which came from the calls `origin`)."""
    # A grounded skill asks for each context's questions in a call of its own.
    limit = EXAMPLES_PER_ITEM if context else None
    one = _Round(
        leaf, caller, task_of(leaf), shown_examples(leaf, limit), form, context, plan.number
    )
    parts = split(count, QUESTIONS_PER_CALL)
    extras = {
        "grounding": GROUNDING if context else "",
        "batches": str(len(parts)),
        "round": str(plan.number),
    }
    replies = await gather_all(
        caller.ask(
            "skill_questions",
            render(
                "skill_questions",
                {"task": one.task, "examples": one.shown, "count": str(n), "context": one.scope},
                {**extras, "batch": str(i)},
            ),
        )
        for i, n in enumerate(parts, 1)
    )
    questions: list[tuple[str, Provenance]] = []
    seen = {q for c, q in plan.seen if c == context}
    rejected: list[Rejection] = []
    for wanted, reply in zip(parts, replies, strict=True):
        made = Provenance((*origin, reply.call), plan.number)
        parsed = None if reply.failure else skill_questions.parse(reply.text)
        if parsed is None:
            reason = reply.failure or "unparseable"
            rejected.append(one.sample("", made).reject("skill_questions", reason, reply.text))
            continue
        for question in parsed[:wanted]:
            if question in seen:
                candidate = one.sample(question, made)
                rejected.append(candidate.reject("skill_questions", "duplicate_question"))
            else:
                seen.add(question)
                questions.append((question, made))
    outcome = await one.judge_answer_rate(questions)
    return Outcome(outcome.candidates, (*rejected, *outcome.rejected))


@dataclass(frozen=True)
class _Round:
    leaf: Leaf
    caller: Caller
    task: str
    shown: str
    form: Form
    context: str
    number: int

    @property
    def scope(self) -> str | None:
        """The context as a prompt section (None: a freeform skill has none)."""
        return self.context or None

    @property
    def using(self) -> dict[str, str]:
        return {"using_context": USING_CONTEXT if self.context else ""}

    def sample(
        self, question: str, made: Provenance, answer: str = "", score: int = UNSCORED
    ) -> Sample:
        leaf = self.leaf
        return Sample(
            leaf.leaf_id, leaf.kind.value, self.form, self.context, question, answer, score, made
        )

    async def judge_answer_rate(self, questions: list[tuple[str, Provenance]]) -> Outcome:
        """Judge the questions, answer those that pass, rate the answered pairs."""
        rejected: list[Rejection] = []
        verdicts = await judge(
            self.caller,
            "question_judge",
            {"task": self.task, "context": self.scope},
            [{"question": q} for q, _ in questions],
            parse=question_judge.parse,
            batch=JUDGE_BATCH,
        )
        passed: list[tuple[str, Provenance]] = []
        for (question, asked_in), judged in zip(questions, verdicts, strict=True):
            made = asked_in.then(judged.call)
            if judged.verdict is None:
                rejected.append(
                    self.sample(question, made).reject("question_judge", *judged.failure)
                )
            elif judged.verdict.reason is not None:
                verdict = judged.verdict
                rejection = self.sample(question, made).reject(
                    "question_judge", verdict.reason or "", verdict.explanation
                )
                rejected.append(rejection)
            else:
                passed.append((question, made))
        answered = await gather_all(self.answer(q, made) for q, made in passed)
        pairs = [a for a in answered if isinstance(a, Sample)]
        rejected.extend(a for a in answered if isinstance(a, Rejection))
        kept = await self.rate(pairs, rejected)
        return Outcome(tuple(kept), tuple(rejected))

    async def answer(self, question: str, made: Provenance) -> Sample | Rejection:
        sections = {
            "task": self.task,
            "examples": shown_examples(self.leaf, EXAMPLES_PER_ITEM),
            "question": question,
            "context": self.scope,
        }
        reply = await self.caller.ask("skill_answer", render("skill_answer", sections, self.using))
        made = made.then(reply.call)
        if reply.failure:
            detail = reply.problem("the answer")
            return self.sample(question, made).reject("skill_answer", reply.failure, detail)
        answer = skill_answer.parse(reply.text)
        if not answer:
            return self.sample(question, made).reject("skill_answer", "empty_answer")
        return self.sample(question, made, answer)

    async def rate(self, pairs: list[Sample], rejected: list[Rejection]) -> list[Sample]:
        ratings = await judge(
            self.caller,
            "pair_rating",
            {"task": self.task, "context": self.scope},
            [{"question": p.question, "answer": p.answer} for p in pairs],
            parse=pair_rating.parse,
            batch=RATING_BATCH,
            extras=self.using,
        )
        kept: list[Sample] = []
        for pair, judged in zip(pairs, ratings, strict=True):
            made = pair.provenance.then(judged.call)
            rating = judged.verdict
            if rating is None:
                unrated = self.sample(pair.question, made, pair.answer)
                rejected.append(unrated.reject("pair_rating", *judged.failure))
                continue
            sample = self.sample(pair.question, made, pair.answer, rating.score)
            if rating.score < MIN_SCORE:
                rejected.append(sample.reject("pair_rating", "low_score", rating.explanation))
            else:
                kept.append(sample)
        return kept


PIPELINE = Pipeline(
    material=seeds_only,
    targets=skill_targets(INSTRUCTION),
    round_calls=round_calls,
    estimated_prompt=skill_answer_prompt,
    run_round=run_round,
)

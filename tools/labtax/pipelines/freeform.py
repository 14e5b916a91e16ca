"""Freeform skills: questions -> question judge -> answers -> pair rating (keep scores >= 2).

`skill_round` is also the per-context step of grounded skills, which pass the context along (with
the calls it came from), and `skill_answer_prompt` their prompt estimate too. A freeform sample is
an `instruction`: its user turn is the question alone.
"""

from __future__ import annotations

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
    return await skill_round(leaf, caller, settings.samples)


async def skill_round(
    leaf: Leaf,
    caller: Caller,
    count: int,
    *,
    form: Form = INSTRUCTION,
    context: str = "",
    origin: tuple[Call, ...] = (),
) -> Outcome:
    """One round of the skill stages for `count` new questions (about `context`, when given, which
    came from the calls `origin`)."""
    task = task_of(leaf)
    shown = shown_examples(leaf)
    batches = split(count, QUESTIONS_PER_CALL)
    extras = {"grounding": GROUNDING if context else "", "batches": str(len(batches))}
    replies = await gather_all(
        caller.ask(
            "skill_questions",
            render(
                "skill_questions",
                {"task": task, "examples": shown, "count": str(n), "context": context or None},
                {**extras, "batch": str(i)},
            ),
        )
        for i, n in enumerate(batches, 1)
    )
    one = _Round(leaf, caller, task, shown, form, context)
    questions: list[tuple[str, Provenance]] = []
    seen: set[str] = set()
    rejected: list[Rejection] = []
    for asked, reply in zip(batches, replies, strict=True):
        made = Provenance((*origin, reply.call))
        parsed = skill_questions.parse(reply.text)
        if parsed is None:
            blank = one.sample("", made)
            rejected.append(blank.reject("skill_questions", "unparseable", reply.text))
            continue
        for question in parsed[:asked]:
            if question in seen:
                candidate = one.sample(question, made)
                rejected.append(candidate.reject("skill_questions", "duplicate_question"))
            else:
                seen.add(question)
                questions.append((question, made))
    results = await gather_all(one.question(q, made) for q, made in questions)
    kept = tuple(r for r in results if isinstance(r, Sample))
    rejected.extend(r for r in results if isinstance(r, Rejection))
    return Outcome(kept, tuple(rejected))


@dataclass(frozen=True)
class _Round:
    leaf: Leaf
    caller: Caller
    task: str
    shown: str
    form: Form
    context: str

    def sample(
        self, question: str, made: Provenance, answer: str = "", score: int = UNSCORED
    ) -> Sample:
        leaf = self.leaf
        return Sample(
            leaf.leaf_id, leaf.kind.value, self.form, self.context, question, answer, score, made
        )

    async def question(self, question: str, made: Provenance) -> Sample | Rejection:
        """Judge, answer and rate one candidate question (`made` by the calls so far)."""
        task, context, ask = self.task, self.context or None, self.caller.ask
        using = {"using_context": USING_CONTEXT if context else ""}
        judged = await ask(
            "question_judge",
            render("question_judge", {"task": task, "question": question, "context": context}),
        )
        made = made.then(judged.call)
        verdict = question_judge.parse(judged.text)
        if verdict is None:
            return self.sample(question, made).reject("question_judge", "unparseable", judged.text)
        if verdict.reason is not None:
            return self.sample(question, made).reject(
                "question_judge", verdict.reason, verdict.explanation
            )
        sections = {"task": task, "examples": self.shown, "question": question, "context": context}
        answered = await ask("skill_answer", render("skill_answer", sections, using))
        made = made.then(answered.call)
        answer = skill_answer.parse(answered.text)
        if not answer:
            return self.sample(question, made).reject("skill_answer", "empty_answer")
        rated = await ask(
            "pair_rating",
            render(
                "pair_rating",
                {"task": task, "question": question, "answer": answer, "context": context},
                using,
            ),
        )
        made = made.then(rated.call)
        rating = pair_rating.parse(rated.text)
        if rating is None:
            return self.sample(question, made, answer).reject(
                "pair_rating", "unparseable", rated.text
            )
        sample = self.sample(question, made, answer, rating.score)
        if rating.score < MIN_SCORE:
            return sample.reject("pair_rating", "low_score", rating.explanation)
        return sample


PIPELINE = Pipeline(estimated_calls, skill_answer_prompt, seeds_only, run)

"""Running an evaluation: every leaf's held-out questions to the student, every answer to the judge.

Leaves run concurrently and their calls pass the generation run's priority gate, so earlier leaves
finish first and a budget stop leaves whole leaves written. A leaf whose stored evaluation has the
fingerprint of its current questions, student, judge and templates, and no failure, is not asked
again: a rerun with nothing changed makes no calls (and answers already paid for come from the
response cache either way). A question the student does not answer (unreachable, empty) or whose
grade the judge does not give is a counted failure of its leaf, never a stopped run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from labtax.config import Config
from labtax.dataset.records import clip
from labtax.errors import LabtaxError, Location
from labtax.evaluation import questions, store
from labtax.evaluation.records import (
    HeldOutQuestion,
    LeafEvaluation,
    ModelParams,
    QuestionOutcome,
    fingerprint,
)
from labtax.generation.run import PriorityGate
from labtax.leaves import Leaf
from labtax.pipelines.pipeline import Asker, Caller, gather_all
from labtax.prompts import answer_grade, render, student_answer
from labtax.teacher import BudgetExceeded, EmptyAnswer
from labtax.transport import TeacherError
from labtax.usage import Usage

LeafEvalStatus = Literal["evaluated", "not evaluated", "fresh", "unfinished", "failed"]


@dataclass(frozen=True)
class Roles:
    """Who plays the student and the judge, and the templates they are asked with."""

    student: ModelParams
    judge: ModelParams
    templates: Mapping[str, str]


@dataclass(frozen=True)
class LeafEvalResult:
    """One leaf's end: evaluated (maybe with failures), not evaluated, already fresh, stopped by
    the budget (nothing written), or failed (`message` says why, nothing written)."""

    leaf_id: str
    status: LeafEvalStatus
    evaluation: LeafEvaluation | None = None
    usage: Usage = field(default_factory=Usage)
    message: str = ""

    @property
    def failed_questions(self) -> int:
        return self.evaluation.failed if self.evaluation is not None else 0


@dataclass(frozen=True)
class EvalSummary:
    results: tuple[LeafEvalResult, ...]
    budget_message: str = ""

    def count(self, status: LeafEvalStatus) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed_questions(self) -> int:
        return sum(r.failed_questions for r in self.results)

    @property
    def ok(self) -> bool:
        """Every leaf evaluated (or fresh) with every question scored."""
        return not self.failed_questions and all(
            r.status in ("evaluated", "fresh") for r in self.results
        )


async def evaluate(
    config: Config,
    leaves: Sequence[Leaf],
    student: Asker,
    judge: Asker,
    roles: Roles,
    *,
    held_out: questions.HeldOut | None = None,
    concurrency: int = 8,
    on_leaf: Callable[[LeafEvalResult], None] | None = None,
) -> EvalSummary:
    """Evaluate `leaves` (in leaf-id order of priority) and store each as soon as it is done."""
    run = _Run(config, student, judge, roles, held_out, PriorityGate(2 * max(1, concurrency)))
    ordered = sorted(leaves, key=lambda leaf: leaf.leaf_id)
    results = await asyncio.gather(
        *(run.leaf(leaf, index, on_leaf) for index, leaf in enumerate(ordered))
    )
    unfinished = [r for r in results if r.status == "unfinished"]
    return EvalSummary(tuple(results), unfinished[0].message if unfinished else "")


@dataclass
class _Run:
    config: Config
    student: Asker
    judge: Asker
    roles: Roles
    held_out: questions.HeldOut | None
    gate: PriorityGate

    async def leaf(
        self, leaf: Leaf, priority: int, on_leaf: Callable[[LeafEvalResult], None] | None
    ) -> LeafEvalResult:
        asked = questions.held_out_questions(leaf, self.held_out)
        stamp = fingerprint(asked, self.roles.student, self.roles.judge, self.roles.templates)
        student = Caller(self.student, gate=self.gate, priority=priority)
        judge = Caller(self.judge, gate=self.gate, priority=priority)
        try:
            result = await self._evaluate(leaf, asked, stamp, student, judge)
        except BudgetExceeded as exc:
            why = f"{exc.message}; {exc.hint}" if exc.hint else exc.message
            result = LeafEvalResult(
                leaf.leaf_id, "unfinished", usage=_usage(student, judge), message=why
            )
        except LabtaxError as exc:
            result = LeafEvalResult(
                leaf.leaf_id, "failed", usage=_usage(student, judge), message=exc.render()
            )
        if on_leaf is not None:
            on_leaf(result)
        return result

    async def _evaluate(
        self,
        leaf: Leaf,
        asked: tuple[HeldOutQuestion, ...],
        stamp: str,
        student: Caller,
        judge: Caller,
    ) -> LeafEvalResult:
        stored = self._stored(leaf.leaf_id)
        if stored is not None and stored.fingerprint == stamp and not stored.failed:
            return LeafEvalResult(leaf.leaf_id, "fresh", stored)
        outcomes = await gather_all(_ask(q, student, judge) for q in asked)
        evaluation = LeafEvaluation(
            leaf=leaf.leaf_id,
            student=self.roles.student,
            judge=self.roles.judge,
            templates=dict(self.roles.templates),
            fingerprint=stamp,
            outcomes=tuple(outcomes),
            note=None if asked else "the leaf has no usable seed example to ask",
        )
        await self._write(evaluation)
        return LeafEvalResult(leaf.leaf_id, evaluation.status, evaluation, _usage(student, judge))

    def _stored(self, leaf_id: str) -> LeafEvaluation | None:
        try:
            return store.read_evaluation(self.config, self.roles.student.model, leaf_id)
        except store.DamagedEvaluation:
            return None  # rewritten below

    async def _write(self, evaluation: LeafEvaluation) -> None:
        path = store.evaluation_path(self.config, evaluation.student.model, evaluation.leaf)
        try:
            await asyncio.to_thread(store.write_evaluation, self.config, evaluation)
        except OSError as exc:
            raise LabtaxError(
                f"cannot write the evaluation: {exc.strerror or exc}",
                hint="check free space and permissions",
                location=Location(self.config.rel(path)),
            ) from exc


async def _ask(asked: HeldOutQuestion, student: Caller, judge: Caller) -> QuestionOutcome:
    """One question: the student's answer, then the judge's grade; a failure at either is kept."""
    prompt = render("student_answer", {"question": asked.question, "context": asked.context})
    try:
        reply = await student.ask("student_answer", prompt)
        answer = student_answer.parse(reply.text)
    except EmptyAnswer:
        answer = None
    except TeacherError as exc:
        return QuestionOutcome(asked, failure=clip(f"no answer from the student: {exc.message}"))
    if answer is None:
        return QuestionOutcome(asked, failure="the student's answer is empty")
    sections = {
        "question": asked.question,
        "context": asked.context,
        "reference": asked.reference,
        "answer": answer,
    }
    try:
        text = (await judge.ask("answer_grade", render("answer_grade", sections))).text
    except TeacherError as exc:
        failure = clip(f"no grade from the judge: {exc.message}")
        return QuestionOutcome(asked, answer, failure=failure)
    grade = answer_grade.parse(text)
    if grade is None:
        return QuestionOutcome(
            asked, answer, failure="the judge's answer has no score from 1 to 10"
        )
    return QuestionOutcome(asked, answer, grade.explanation, grade.score)


def _usage(student: Caller, judge: Caller) -> Usage:
    return student.usage + judge.usage

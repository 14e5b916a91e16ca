"""The records of an evaluation: what a leaf was asked, what the student said, how it scored.

A `LeafEvaluation` is one leaf's result for one student: the questions held out from training
(`HeldOutQuestion`), each with the student's answer and the judge's explanation and score, or the
failure that stopped it (`QuestionOutcome`). Its `fingerprint` hashes everything that determines
the result (the questions, the student and judge with their parameters, the templates), so a rerun
with nothing changed knows it has nothing to ask.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from labtax.util import canonical_json, sha256_hex

EvaluationStatus = Literal["evaluated", "not evaluated"]
EVALUATED: EvaluationStatus = "evaluated"
NOT_EVALUATED: EvaluationStatus = "not evaluated"
# A mean below LOW_SCORE: the leaf teaches the student something new; from HIGH_SCORE: it knows it.
LOW_SCORE = 5.0
HIGH_SCORE = 8.0
# Bumped when what the fingerprint covers changes, so every stored evaluation reads as stale.
FINGERPRINT_FORMAT = 1


@dataclass(frozen=True)
class ModelParams:
    """The model a role (student or judge) was played by, and how it was asked."""

    model: str
    temperature: float
    max_tokens: int
    seed: int

    def as_dict(self) -> dict[str, object]:
        return {
            "max_tokens": self.max_tokens,
            "model": self.model,
            "seed": self.seed,
            "temperature": self.temperature,
        }


@dataclass(frozen=True)
class HeldOutQuestion:
    """A question the student is asked, with the reference answer it is judged against.

    `source`: `seed` (the leaf's own examples) or `test` (the export's test split); `context` is
    shown to the student with the question (grounded skills), never for knowledge (closed book).
    """

    source: str
    context: str | None
    question: str
    reference: str

    def as_dict(self) -> dict[str, object]:
        return {
            "context": self.context,
            "question": self.question,
            "reference": self.reference,
            "source": self.source,
        }


@dataclass(frozen=True)
class QuestionOutcome:
    """One question's result: the answer and its score, or the failure (`failure` set)."""

    asked: HeldOutQuestion
    answer: str | None = None
    explanation: str = ""
    score: int | None = None
    failure: str | None = None

    @property
    def scored(self) -> bool:
        return self.score is not None and self.failure is None


@dataclass(frozen=True)
class LeafEvaluation:
    """One leaf's evaluation for one student, as stored in `evaluations/<slug>/<leaf>.json`."""

    leaf: str
    student: ModelParams
    judge: ModelParams
    templates: Mapping[str, str]
    fingerprint: str
    outcomes: tuple[QuestionOutcome, ...]
    # Why nothing could be scored, when the leaf has no question at all.
    note: str | None = None
    _scores: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        scores = tuple(o.score for o in self.outcomes if o.scored and o.score is not None)
        object.__setattr__(self, "_scores", scores)

    @property
    def evaluated(self) -> int:
        """Questions scored."""
        return len(self._scores)

    @property
    def failed(self) -> int:
        """Questions that could not be scored (no answer, an empty one, no usable grade)."""
        return len(self.outcomes) - len(self._scores)

    @property
    def mean_score(self) -> float | None:
        return mean(self._scores)

    @property
    def status(self) -> EvaluationStatus:
        return EVALUATED if self._scores else NOT_EVALUATED

    @property
    def reason(self) -> str | None:
        """Why the leaf is not evaluated, or which questions failed; None when all were scored."""
        if self.note:
            return self.note
        failures = Counter(o.failure for o in self.outcomes if o.failure)
        if not failures:
            return None
        return "; ".join(f"{count} x {why}" for why, count in sorted(failures.items()))

    def lowest(self, count: int) -> list[QuestionOutcome]:
        """The `count` lowest-scored questions (failures first), in a stable order."""
        ranked = sorted(
            enumerate(self.outcomes),
            key=lambda item: (-1 if item[1].score is None else item[1].score, item[0]),
        )
        return [outcome for _, outcome in ranked[:count]]


def reading(mean_score: float | None) -> str:
    """What a leaf's mean score says about the student, in words."""
    if mean_score is None:
        return "not evaluated"
    if mean_score < LOW_SCORE:
        return "new to the student"
    if mean_score >= HIGH_SCORE:
        return "the student knows it already"
    return "partly known"


def mean(scores: Sequence[int]) -> float | None:
    """The mean of `scores`, rounded to 2 decimals so stored figures stay stable; None if none."""
    return round(math.fsum(scores) / len(scores), 2) if scores else None


def fingerprint(
    questions: Sequence[HeldOutQuestion],
    student: ModelParams,
    judge: ModelParams,
    templates: Mapping[str, str],
) -> str:
    """sha256 over everything that determines a leaf's evaluation."""
    return sha256_hex(
        canonical_json(
            {
                "format": FINGERPRINT_FORMAT,
                "judge": judge.as_dict(),
                "questions": [q.as_dict() for q in questions],
                "student": student.as_dict(),
                "templates": dict(templates),
            }
        )
    )

"""`answer_grade`: the judge's score from 1 to 10 for a student's answer, against the reference.

A written rubric; the judge explains first, then scores; it is asked at temperature 0.
Answer: `{"explanation": str, "score": 1..10}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from labtax.prompts.parsing import extract_json, score_of
from labtax.prompts.templates import Stage

STAGE = Stage(
    "answer_grade",
    judge=True,
    sections=("question", "reference", "answer"),
    optional=("context",),
)

LOWEST = 1
HIGHEST = 10
_SCORES = tuple(range(LOWEST, HIGHEST + 1))


@dataclass(frozen=True)
class Grade:
    """The judge's answer: why, then a score from 1 (wrong) to 10 (correct and complete)."""

    explanation: str
    score: int


def parse(text: str) -> Grade | None:
    """The grade (a score given as a digit string counts), or None when there is no valid score."""
    data = extract_json(text)
    if data is None:
        return None
    score = score_of(data.get("score"), _SCORES)
    return None if score is None else Grade(str(data.get("explanation", "")), score)

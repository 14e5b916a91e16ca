"""`pair_rating`: a score of 1 to 3 for a generated question and its answer.

Answer: `{"explanation": str, "score": 1 | 2 | 3}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from labtax.prompts.parsing import extract_json
from labtax.prompts.templates import Stage

STAGE = Stage(
    "pair_rating",
    judge=True,
    sections=("task", "question", "answer"),
    optional=("context",),
)


@dataclass(frozen=True)
class Rating:
    """The pair rater's answer: a score of 1, 2 or 3 and why."""

    explanation: str
    score: int


def parse(text: str) -> Rating | None:
    """The rating (a score given as a digit string counts), or None when there is no valid score."""
    data = extract_json(text)
    if data is None:
        return None
    score = data.get("score")
    if isinstance(score, str) and score.strip() in {"1", "2", "3"}:
        score = int(score.strip())
    if isinstance(score, bool) or not isinstance(score, int) or score not in (1, 2, 3):
        return None
    return Rating(str(data.get("explanation", "")), score)

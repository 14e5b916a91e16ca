"""`pair_rating`: a score of 1 to 3 for each of several generated questions with their answers.

One call rates a batch (`<items>`: `{"id", "question", "answer"}`). Answer:
`{"ratings": [{"id": int, "explanation": str, "score": 1 | 2 | 3}, ...]}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from labtax.prompts.parsing import scores_by_id
from labtax.prompts.templates import Stage

STAGE = Stage(
    "pair_rating",
    judge=True,
    sections=("task", "items"),
    optional=("context",),
)

SCORES = (1, 2, 3)


@dataclass(frozen=True)
class Rating:
    """The pair rater's answer for one pair: a score of 1, 2 or 3 and why."""

    explanation: str
    score: int


def parse(text: str) -> dict[int, Rating] | None:
    """The ratings by item id (a score given as a digit string counts), or None when the answer
    holds no list of ratings. An entry without a valid score is left out."""
    found = scores_by_id(text, "ratings", SCORES)
    return None if found is None else {n: Rating(*v) for n, v in found.items()}

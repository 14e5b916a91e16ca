"""`pair_rating`: a score of 1 to 3 for each of several generated questions with their answers.

One call rates a batch (`<items>`: `{"id", "question", "answer"}`). Answer:
`{"ratings": [{"id": int, "explanation": str, "score": 1 | 2 | 3}, ...]}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from labtax.prompts.parsing import by_id, score_of
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
    entries = by_id(text, "ratings")
    if entries is None:
        return None
    out = {}
    for number, entry in entries.items():
        score = score_of(entry.get("score"), SCORES)
        if score is not None:
            out[number] = Rating(str(entry.get("explanation", "")), score)
    return out

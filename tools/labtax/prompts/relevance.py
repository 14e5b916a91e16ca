"""`relevance`: how relevant is each knowledge answer to its question, from 1 to 3?

The score becomes the kept sample's `score`. One call rates a batch of a chunk's pairs (`<items>`:
`{"id", "question", "answer"}`). Answer:
`{"scores": [{"id": int, "explanation": str, "score": 1 | 2 | 3}, ...]}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from labtax.prompts.parsing import scores_by_id
from labtax.prompts.templates import Stage

STAGE = Stage("relevance", judge=True, sections=("items",))

SCORES = (1, 2, 3)


@dataclass(frozen=True)
class Relevance:
    """The relevance judge's answer for one pair: a score of 1, 2 or 3 and why."""

    explanation: str
    score: int


def parse(text: str) -> dict[int, Relevance] | None:
    """The scores by item id (digits as text count), or None when the answer holds no list of
    scores. An entry without a valid score is left out."""
    found = scores_by_id(text, "scores", SCORES)
    return None if found is None else {n: Relevance(*v) for n, v in found.items()}

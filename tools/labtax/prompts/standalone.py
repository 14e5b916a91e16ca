"""`standalone`: does each closed-book knowledge question make sense without the passage?

A knowledge sample is asked closed book, so a question that says "according to the passage" or
"this document" teaches the student to expect a text it will not have. One call judges a batch of
a chunk's questions (`<items>`: `{"id", "question"}`). Answer:
`{"verdicts": [{"id": int, "explanation": str, "stands_alone": bool}, ...]}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from labtax.prompts.parsing import flags_by_id
from labtax.prompts.templates import Stage

STAGE = Stage("standalone", judge=True, sections=("items",), optional=("domain",))


@dataclass(frozen=True)
class Standalone:
    """The standalone judge's answer for one question."""

    explanation: str
    stands_alone: bool


def parse(text: str) -> dict[int, Standalone] | None:
    """The verdicts by item id, or None when the answer holds no list of verdicts. An entry whose
    `stands_alone` is not a JSON boolean is left out."""
    found = flags_by_id(text, "verdicts", "stands_alone")
    return None if found is None else {n: Standalone(*v) for n, v in found.items()}

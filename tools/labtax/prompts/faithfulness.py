"""`faithfulness`: is each generated answer fully supported by the document part it came from?

One call judges a batch of a chunk's items (`<items>`: `{"id", "question", "answer"}`: the
knowledge pairs, and the auxiliary texts with their instructions). Answer:
`{"verdicts": [{"id": int, "explanation": str, "faithful": bool}, ...]}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from labtax.prompts.parsing import by_id
from labtax.prompts.templates import Stage

STAGE = Stage("faithfulness", judge=True, sections=("document", "items"))


@dataclass(frozen=True)
class Faithfulness:
    """The faithfulness judge's answer for one item."""

    explanation: str
    faithful: bool


def parse(text: str) -> dict[int, Faithfulness] | None:
    """The verdicts by item id, or None when the answer holds no list of verdicts. An entry whose
    `faithful` is not a JSON boolean is left out."""
    entries = by_id(text, "verdicts")
    if entries is None:
        return None
    return {
        number: Faithfulness(str(entry.get("explanation", "")), entry["faithful"])
        for number, entry in entries.items()
        if isinstance(entry.get("faithful"), bool)
    }

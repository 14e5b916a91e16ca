"""`faithfulness`: is each generated answer fully supported by the document part it came from?

One call judges a batch of a chunk's items (`<items>`: `{"id", "question", "answer"}`: the
knowledge pairs, and the auxiliary texts with their instructions). Answer:
`{"verdicts": [{"id": int, "explanation": str, "faithful": bool}, ...]}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from labtax.prompts.parsing import flags_by_id
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
    found = flags_by_id(text, "verdicts", "faithful")
    return None if found is None else {n: Faithfulness(*v) for n, v in found.items()}

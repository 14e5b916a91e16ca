"""`faithfulness`: is a generated answer fully supported by the document part it came from?

Answer: `{"explanation": str, "faithful": bool}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from labtax.prompts.parsing import extract_json
from labtax.prompts.templates import Stage

STAGE = Stage("faithfulness", judge=True, sections=("document", "question", "answer"))


@dataclass(frozen=True)
class Faithfulness:
    """The faithfulness judge's answer."""

    explanation: str
    faithful: bool


def parse(text: str) -> Faithfulness | None:
    """The verdict, or None when `faithful` is not a JSON boolean."""
    data = extract_json(text)
    if data is None or not isinstance(data.get("faithful"), bool):
        return None
    return Faithfulness(str(data.get("explanation", "")), bool(data["faithful"]))

"""`atomic_facts`: one document chunk broken down into single-fact statements (auxiliary data).

Answer: `{"facts": [str, ...]}`. It becomes an `atomic_facts` sample: the chunk and an instruction
to list its facts, answered by the facts as a list, one a line (`as_text`).
"""

from __future__ import annotations

from collections.abc import Sequence

from labtax.prompts.parsing import extract_json, string_list
from labtax.prompts.templates import Stage

STAGE = Stage(
    "atomic_facts",
    judge=False,
    sections=("document",),
    optional=("domain",),
)


def parse(text: str) -> list[str] | None:
    """The non-empty facts, or None when the answer is unparseable."""
    data = extract_json(text)
    return string_list(data.get("facts")) if data is not None else None


def as_text(facts: Sequence[str]) -> str:
    """The facts as a sample's answer: a Markdown list, one fact a line."""
    return "\n".join(f"- {fact}" for fact in facts)

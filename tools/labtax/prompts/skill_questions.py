"""`skill_questions`: new questions (instructions) exercising a skill, in batches.

Answer: `{"questions": [str, ...]}`.
"""

from __future__ import annotations

from labtax.prompts.parsing import extract_json, string_list
from labtax.prompts.templates import Stage

STAGE = Stage(
    "skill_questions",
    judge=False,
    sections=("task", "examples", "count"),
    optional=("context",),
)


def parse(text: str) -> list[str] | None:
    """The non-empty questions, or None when the answer is unparseable."""
    data = extract_json(text)
    return string_list(data.get("questions")) if data is not None else None

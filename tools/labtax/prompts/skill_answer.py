"""`skill_answer`: the answer to one generated question, in the style of the seed answers.

Answer: plain text.
"""

from __future__ import annotations

import re

from labtax.prompts.templates import Stage

STAGE = Stage(
    "skill_answer",
    judge=False,
    sections=("task", "examples", "question"),
    optional=("context",),
    json_answer=False,
)

_WRAPPING_FENCE = re.compile(r"```[A-Za-z]*\n(.*?)\n?```", re.DOTALL)


def parse(text: str) -> str:
    """The answer text, with a wrapping code fence (which some models add) removed."""
    stripped = text.strip()
    match = _WRAPPING_FENCE.fullmatch(stripped)
    return match.group(1).strip() if match else stripped

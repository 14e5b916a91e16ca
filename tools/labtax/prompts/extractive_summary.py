"""`extractive_summary`: the key sentences of one document chunk, verbatim (auxiliary data).

Answer: plain text, the sentences. It becomes an `extractive_summary` sample: the chunk and an
instruction to pick out its key sentences, answered by them.
"""

from __future__ import annotations

from labtax.prompts.skill_answer import parse as _plain
from labtax.prompts.templates import Stage

STAGE = Stage(
    "extractive_summary",
    judge=False,
    sections=("document",),
    optional=("domain",),
    json_answer=False,
)


def parse(text: str) -> str:
    """The sentences (a wrapping code fence removed); "" when there are none."""
    return _plain(text)

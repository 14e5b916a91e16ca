"""`detailed_summary`: a detailed summary of one document chunk (auxiliary knowledge data).

Answer: plain text, the summary. It becomes a `detailed_summary` sample: the chunk and an
instruction to summarise it in detail, answered by the summary.
"""

from __future__ import annotations

from labtax.prompts.skill_answer import parse as _plain
from labtax.prompts.templates import Stage

STAGE = Stage(
    "detailed_summary",
    judge=False,
    sections=("document",),
    optional=("domain",),
    json_answer=False,
)


def parse(text: str) -> str:
    """The summary text (a wrapping code fence removed); "" when there is none."""
    return _plain(text)

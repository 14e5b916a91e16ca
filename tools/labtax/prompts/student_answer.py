"""`student_answer`: a held-out question put to the student model being evaluated.

The prompt is what a user would send: the question as the user turn (after its context, for a
grounded skill), with no protocol markup the student could echo into its answer. Answer: plain
text.
"""

from __future__ import annotations

from labtax.prompts.templates import Stage

STAGE = Stage(
    "student_answer",
    judge=False,
    sections=("question",),
    optional=("context",),
    json_answer=False,
    markup=False,
)


def parse(text: str) -> str | None:
    """The student's answer, trimmed; None when it said nothing."""
    stripped = text.strip()
    return stripped or None

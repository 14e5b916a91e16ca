"""`question_judge`: is a generated question relevant to the skill, harmless and answerable?

Answer: `{"explanation": str, "relevant": bool, "harmless": bool, "answerable": bool}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from labtax.prompts.parsing import extract_json
from labtax.prompts.templates import Stage

STAGE = Stage(
    "question_judge",
    judge=True,
    sections=("task", "question"),
    optional=("context",),
)


@dataclass(frozen=True)
class Verdict:
    """The question judge's answer."""

    explanation: str
    relevant: bool
    harmless: bool
    answerable: bool

    @property
    def reason(self) -> str | None:
        """Why the question is rejected, or None when it passes every check."""
        if not self.relevant:
            return "irrelevant"
        if not self.harmless:
            return "harmful"
        if not self.answerable:
            return "unanswerable"
        return None


def parse(text: str) -> Verdict | None:
    """The verdict, or None when any of the three checks is not a JSON boolean."""
    data = extract_json(text)
    if data is None:
        return None
    flags = [data.get(k) for k in ("relevant", "harmless", "answerable")]
    if not all(isinstance(flag, bool) for flag in flags):
        return None
    return Verdict(str(data.get("explanation", "")), *(bool(flag) for flag in flags))

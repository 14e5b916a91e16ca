"""`question_judge`: is each generated question relevant to the skill, harmless and answerable?

One call judges a batch of questions (`<items>`: `{"id", "question"}`). Answer:
`{"verdicts": [{"id": int, "explanation": str, "relevant": bool, "harmless": bool,
"answerable": bool}, ...]}`.
"""

from __future__ import annotations

from dataclasses import dataclass

from labtax.prompts.parsing import by_id
from labtax.prompts.templates import Stage

STAGE = Stage(
    "question_judge",
    judge=True,
    sections=("task", "items"),
    optional=("context",),
)


@dataclass(frozen=True)
class Verdict:
    """The question judge's answer for one question."""

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


def parse(text: str) -> dict[int, Verdict] | None:
    """The verdicts by item id, or None when the answer holds no list of verdicts.

    An entry whose three checks are not all JSON booleans is left out: its item has no verdict.
    """
    entries = by_id(text, "verdicts")
    if entries is None:
        return None
    out = {}
    for number, entry in entries.items():
        flags = [entry.get(k) for k in ("relevant", "harmless", "answerable")]
        if all(isinstance(flag, bool) for flag in flags):
            out[number] = Verdict(str(entry.get("explanation", "")), *(bool(f) for f in flags))
    return out

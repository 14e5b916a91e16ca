"""Prompt templates (package data, one `<stage>.txt` per stage) and their rendering into messages.

A template holds the system message, a line `=== user ===`, then the user message. The system
message's first line is `labtax-stage: <stage>`, so a server (the fake teacher, a log reader) can
tell the stages apart. The user message is made of tagged sections (`<task>`, `<examples>`, ...);
`$name` placeholders are filled with whole sections, and a section that does not apply is left out
with its line. Each template's sha256 goes into the manifest, so a prompt change shows in review.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

STAGES = (
    "skill_questions",
    "question_judge",
    "skill_answer",
    "pair_rating",
    "grounded_contexts",
    "knowledge_qa",
    "faithfulness",
)
SECTIONS = (
    "task",
    "domain",
    "outline",
    "examples",
    "context",
    "document",
    "question",
    "answer",
    "count",
)
USER_MARKER = "=== user ==="

Message = dict[str, str]


@dataclass(frozen=True)
class Example:
    """One seed example as the teacher sees it: a context (when any) and its question/answers."""

    context: str | None
    pairs: tuple[tuple[str, str], ...]


@cache
def template_text(stage: str) -> str:
    """The raw text of the template for `stage`."""
    if stage not in STAGES:
        raise KeyError(f"unknown prompt stage {stage!r}")
    return resources.files(__name__).joinpath(f"{stage}.txt").read_text(encoding="utf-8")


@cache
def _parts(stage: str) -> tuple[str, string.Template]:
    system, marker, user = template_text(stage).partition(f"\n{USER_MARKER}\n")
    if not marker or not system.startswith(f"labtax-stage: {stage}\n"):
        raise ValueError(f"prompt template {stage}.txt does not follow the prompt protocol")
    return system.strip(), string.Template(user)


def template_hashes() -> dict[str, str]:
    """sha256 of every template's bytes, by stage; recorded in each manifest."""
    return {
        stage: hashlib.sha256(template_text(stage).encode("utf-8")).hexdigest() for stage in STAGES
    }


def section(name: str, content: str) -> str:
    """One tagged section, content trimmed of surrounding blank space."""
    return f"<{name}>\n{content.strip()}\n</{name}>"


def format_examples(examples: Sequence[Example]) -> str:
    """Seed examples as numbered plain-text blocks (no nested tags: sections stay unambiguous)."""
    blocks = []
    for number, example in enumerate(examples, 1):
        lines = [f"Example {number}"]
        if example.context is not None:
            lines.append(f"Context:\n{example.context.strip()}")
        for question, answer in example.pairs:
            lines.append(f"Question:\n{question.strip()}")
            lines.append(f"Answer:\n{answer.strip()}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def render(
    stage: str,
    sections: Mapping[str, str | None],
    extras: Mapping[str, str] | None = None,
) -> list[Message]:
    """System and user messages for `stage` with the given sections (None or absent: left out).

    `extras` fills the non-section placeholders of a template (batch numbers and phrases).
    """
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise KeyError(f"unknown prompt section(s): {', '.join(sorted(unknown))}")
    system, user = _parts(stage)
    text = user.template
    values: dict[str, str] = dict(extras or {})
    for name in SECTIONS:
        content = sections.get(name)
        if content is None:
            # Drop the placeholder's line and the blank line after it.
            text = text.replace(f"${name}\n\n", "").replace(f"${name}\n", "")
            values[name] = ""
        else:
            values[name] = section(name, content)
    rendered = string.Template(text).substitute(values)
    return [
        {"role": "system", "content": system},
        {"role": "user", "content": rendered.strip() + "\n"},
    ]

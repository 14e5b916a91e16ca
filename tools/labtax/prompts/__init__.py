"""The prompt protocol: the one definition of the stages, their prompts and their answers.

Each stage is a module (`skill_questions`, `question_judge`, `skill_answer`, `pair_rating`,
`grounded_contexts`, `knowledge_qa`, `faithfulness`) owning its template (`<stage>.txt`, package
data), its `STAGE` record (which renders the messages) and `parse(text)` for the teacher's answer
with the record it returns. `STAGES` below is the one table of them, in pipeline order.

The shared machinery: `protocol` is the wire format both sides read (the `labtax-stage: <stage>`
first line of the system message, the tagged sections of the user message, leaked markup in
generated text); `templates` loads, hashes and renders templates; `parsing` finds the JSON in an
answer. Each template's sha256 goes into the manifest, so a prompt change shows in review.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from labtax.prompts import (
    faithfulness,
    grounded_contexts,
    knowledge_qa,
    pair_rating,
    question_judge,
    skill_answer,
    skill_questions,
)
from labtax.prompts.parsing import extract_json
from labtax.prompts.protocol import (
    SECTIONS,
    Message,
    protocol_markup,
    read_sections,
    section,
    sections_of,
    stage_header,
    stage_of,
)
from labtax.prompts.templates import Stage, format_examples

__all__ = [
    "SECTIONS",
    "STAGES",
    "Message",
    "Stage",
    "extract_json",
    "format_examples",
    "protocol_markup",
    "read_sections",
    "render",
    "section",
    "sections_of",
    "stage",
    "stage_header",
    "stage_of",
    "template_hashes",
    "template_text",
]

STAGES: Mapping[str, Stage] = MappingProxyType(
    {
        module.STAGE.name: module.STAGE
        for module in (
            skill_questions,
            question_judge,
            skill_answer,
            pair_rating,
            grounded_contexts,
            knowledge_qa,
            faithfulness,
        )
    }
)


def stage(name: str) -> Stage:
    """The stage called `name`; KeyError for a name the protocol does not define."""
    try:
        return STAGES[name]
    except KeyError:
        raise KeyError(f"unknown prompt stage {name!r}") from None


def template_text(name: str) -> str:
    """The template of stage `name`: its header line, then its `.txt` file."""
    return stage(name).template_text()


def template_hashes() -> dict[str, str]:
    """sha256 of every stage's template, by stage; recorded in each manifest."""
    return {name: each.template_hash() for name, each in STAGES.items()}


def render(
    name: str,
    sections: Mapping[str, str | None],
    extras: Mapping[str, str] | None = None,
) -> list[Message]:
    """System and user messages for stage `name` (see `Stage.render`)."""
    return stage(name).render(sections, extras)

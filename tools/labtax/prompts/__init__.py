"""The prompt protocol: the one definition of the stages, their prompts and their answers.

Each stage is a module (generation: `skill_questions`, `question_judge`, `skill_answer`,
`pair_rating`, `grounded_contexts`, `knowledge_qa`, `faithfulness`; evaluation: `student_answer`,
`answer_grade`) owning its template (`<stage>.txt`, package data), its `STAGE` record (which
renders the messages) and `parse(text)` for the answer with the record it returns. `STAGES` below
is the one table of them, in pipeline order; `GENERATION` and `EVALUATION` name each run's stages,
whose template hashes its records carry.

The shared machinery: `protocol` is the wire format both sides read (the `labtax-stage: <stage>`
first line of the system message, the tagged sections of the user message, leaked markup in
generated text); `templates` loads, hashes and renders templates; `parsing` finds the JSON in an
answer. Each template's sha256 goes into the manifest, so a prompt change shows in review.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from labtax.prompts import (
    answer_grade,
    faithfulness,
    grounded_contexts,
    knowledge_qa,
    pair_rating,
    question_judge,
    skill_answer,
    skill_questions,
    student_answer,
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
    "EVALUATION",
    "GENERATION",
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
            student_answer,
            answer_grade,
        )
    }
)
GENERATION = (
    "skill_questions",
    "question_judge",
    "skill_answer",
    "pair_rating",
    "grounded_contexts",
    "knowledge_qa",
    "faithfulness",
)
EVALUATION = ("student_answer", "answer_grade")


def stage(name: str) -> Stage:
    """The stage called `name`; KeyError for a name the protocol does not define."""
    try:
        return STAGES[name]
    except KeyError:
        raise KeyError(f"unknown prompt stage {name!r}") from None


def template_text(name: str) -> str:
    """The template of stage `name`: its header line, then its `.txt` file."""
    return stage(name).template_text()


def template_hashes(names: Sequence[str] = GENERATION) -> dict[str, str]:
    """sha256 of the templates of stages `names` (default: generation's, which each manifest
    records), by stage."""
    return {name: stage(name).template_hash() for name in names}


def render(
    name: str,
    sections: Mapping[str, str | None],
    extras: Mapping[str, str] | None = None,
) -> list[Message]:
    """System and user messages for stage `name` (see `Stage.render`)."""
    return stage(name).render(sections, extras)

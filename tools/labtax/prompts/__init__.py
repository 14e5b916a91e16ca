"""The prompt protocol: the one definition of the stages, their prompts and their answers.

Each stage is a module owning its template (`<stage>.txt`, package data), its `STAGE` record
(which renders the messages) and `parse(text)` for the answer with the record it returns.
Generation: skills `skill_questions`, `question_judge`, `skill_answer`, `pair_rating`,
`grounded_contexts`; knowledge `knowledge_qa`, `standalone`, `faithfulness`, `relevance` and the
auxiliary `detailed_summary`, `extractive_summary`, `atomic_facts`. Evaluation: `student_answer`,
`answer_grade`. `STAGES` below is the one table of them, in pipeline order; `GENERATION` and
`EVALUATION` name each run's stages, whose template hashes its records carry.

A stage is recognised from its system message, which is fixed text different for every stage
(`stage_of`): a request carries nothing else that names it, so a real teacher reads no marker
meant for a machine. The shared machinery: `protocol` is the wire format both sides read (the
tagged sections of the user message, the items a judge grades, leaked markup in generated text);
`templates` loads, hashes and renders templates; `parsing` finds the JSON in an answer. Each
template's sha256 goes into the manifest, so a prompt change shows in review.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from types import MappingProxyType

from labtax.prompts import (
    answer_grade,
    atomic_facts,
    detailed_summary,
    extractive_summary,
    faithfulness,
    grounded_contexts,
    knowledge_qa,
    pair_rating,
    question_judge,
    relevance,
    skill_answer,
    skill_questions,
    standalone,
    student_answer,
)
from labtax.prompts.parsing import extract_json
from labtax.prompts.protocol import (
    SECTIONS,
    Item,
    Message,
    format_items,
    protocol_markup,
    read_items,
    read_sections,
    section,
    sections_of,
)
from labtax.prompts.templates import Stage, format_examples

__all__ = [
    "EVALUATION",
    "GENERATION",
    "SECTIONS",
    "STAGES",
    "Item",
    "Message",
    "Stage",
    "extract_json",
    "format_examples",
    "format_items",
    "protocol_markup",
    "read_items",
    "read_sections",
    "render",
    "section",
    "sections_of",
    "stage",
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
            standalone,
            faithfulness,
            relevance,
            detailed_summary,
            extractive_summary,
            atomic_facts,
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
    "standalone",
    "faithfulness",
    "relevance",
    "detailed_summary",
    "extractive_summary",
    "atomic_facts",
)
EVALUATION = ("student_answer", "answer_grade")


def stage(name: str) -> Stage:
    """The stage called `name`; KeyError for a name the protocol does not define."""
    try:
        return STAGES[name]
    except KeyError:
        raise KeyError(f"unknown prompt stage {name!r}") from None


def stage_of(messages: Sequence[Message]) -> str | None:
    """The stage whose system message the request's first system message is, word for word;
    None for a foreign request."""
    for message in messages:
        if message.get("role") == "system":
            return _by_system_text().get(str(message.get("content", "")).strip())
    return None


@cache
def _by_system_text() -> dict[str, str]:
    return {s.system_text: name for name, s in STAGES.items()}


def template_text(name: str) -> str:
    """The template of stage `name`: the text of its `.txt` file."""
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

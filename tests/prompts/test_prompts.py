"""The stage table: every stage, its record, its template and its parser agree."""

from __future__ import annotations

import re
from importlib import import_module

import pytest

from labtax.prompts import SECTIONS, STAGES, stage, template_text

PIPELINE_ORDER = [
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
    "student_answer",
    "answer_grade",
]


def test_the_table_holds_every_stage_module_in_pipeline_order():
    assert list(STAGES) == PIPELINE_ORDER
    for name, record in STAGES.items():
        module = import_module(f"labtax.prompts.{name}")
        assert module.STAGE is record
        assert record.name == name
        assert stage(name) is record
        assert callable(module.parse)


def test_judges_and_answer_formats():
    assert {n for n, s in STAGES.items() if s.judge} == {
        "question_judge",
        "pair_rating",
        "standalone",
        "faithfulness",
        "relevance",
        "answer_grade",
    }
    assert {n for n, s in STAGES.items() if not s.json_answer} == {
        "skill_answer",
        "detailed_summary",
        "extractive_summary",
        "student_answer",
    }
    # Generation's judges grade a batch of items per call; the others ask one thing.
    assert {n for n, s in STAGES.items() if "items" in s.sections} == {
        "question_judge",
        "pair_rating",
        "standalone",
        "faithfulness",
        "relevance",
    }
    assert {n for n, s in STAGES.items() if not s.markup} == {"student_answer"}


@pytest.mark.parametrize("name", PIPELINE_ORDER)
def test_a_stage_carries_exactly_the_sections_its_template_has_places_for(name):
    record = STAGES[name]
    _, _, user = template_text(name).partition("\n=== user ===\n")
    placeholders = set(re.findall(r"\$([a-z_]+)", user)) & set(SECTIONS)
    assert placeholders == set(record.sections) | set(record.optional)
    assert not set(record.sections) & set(record.optional)


def test_an_unknown_stage_is_a_key_error():
    with pytest.raises(KeyError, match="unknown prompt stage 'nope'"):
        stage("nope")

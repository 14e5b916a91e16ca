"""Rows: one conversation per line, the same columns everywhere, the system prompt first."""

from __future__ import annotations

import json

import pytest

from candidates import candidate
from labtax.export.rows import (
    COLUMNS,
    as_knowledge_replay,
    line,
    record,
    sample_row,
    seed_row,
)


def test_a_sample_row_is_its_conversation_with_the_sample_id():
    sample = candidate("List the steps.", "First, then.", "Some context.")
    row = sample_row(sample)
    assert (row.leaf, row.kind, row.form, row.source, row.id) == (
        "t/leaf",
        "grounded_skill",
        "grounded",
        "generated",
        sample.id,
    )
    assert row.turns == (
        ("user", "Some context.\n\nList the steps."),
        ("assistant", "First, then."),
    )
    variant = sample_row(sample, form="x", user="just the question")
    assert variant.turns[0] == ("user", "just the question")
    assert (variant.form, variant.id) == ("x", sample.id)


def test_a_line_has_every_column_sorted_and_the_system_prompt_first():
    row = sample_row(candidate("Ünïcode question?", "Answer."))
    data = json.loads(line(row, "Be kind.", 256))
    assert list(data) == list(COLUMNS)
    assert data["messages"] == [
        {"content": "Be kind.", "role": "system"},
        {"content": "Ünïcode question?", "role": "user"},
        {"content": "Answer.", "role": "assistant"},
    ]
    assert "Ünïcode" in line(row, "", 256)  # real Unicode, not escapes
    assert record(row, "", 256)["messages"][0]["role"] == "user"
    assert line(row, "", 256).endswith("}\n")
    assert line(row, "", 256).count("\n") == 1


def test_a_generated_line_replays_with_only_its_source_changed():
    text = line(sample_row(candidate("q?", 'a "quoted" source: generated}')), "s", 256)
    replayed = as_knowledge_replay(text)
    assert json.loads(replayed) == {**json.loads(text), "source": "knowledge_replay"}
    with pytest.raises(ValueError, match="generated"):
        as_knowledge_replay(replayed)


def test_a_seed_row_has_the_id_a_sample_of_its_content_would_have():
    knowledge = candidate(
        "When?", "In 1450.", "The chunk.", form="knowledge_qa", leaf="knowledge/k"
    )
    row = seed_row(
        "knowledge/k",
        "knowledge",
        "knowledge_qa",
        context="The chunk.",
        question="When?",
        answer="In 1450.",
    )
    assert row.id == knowledge.id
    assert row.turns[0] == ("user", "When?")  # closed book
    assert row.source == "seed"

"""Auxiliary knowledge data: the instruction chosen per passage, the prompts, the texts read."""

from __future__ import annotations

import pytest

from labtax.chunking import Chunk
from labtax.dataset.records import CONTEXT_IN_TURN, FORM_KINDS, Call
from labtax.pipelines import auxiliary
from labtax.pipelines.pipeline import Reply
from labtax.prompts import sections_of, stage_of


def test_the_forms_are_knowledge_forms_whose_user_turn_holds_the_passage():
    for form in auxiliary.FORMS:
        assert FORM_KINDS[form] == "knowledge"
        assert form in CONTEXT_IN_TURN
        assert len(auxiliary.INSTRUCTIONS[form]) >= 3


def test_the_instruction_is_the_same_for_a_passage_and_varies_across_passages():
    passages = [f"Passage number {i} about rivers." for i in range(60)]
    for form in auxiliary.FORMS:
        chosen = [auxiliary.instruction(form, p) for p in passages]
        assert chosen == [auxiliary.instruction(form, p) for p in passages]
        assert set(chosen) == set(auxiliary.INSTRUCTIONS[form])


def test_a_prompt_carries_the_chunk_and_a_later_round_asks_afresh():
    chunk = Chunk("doc.md", 3, "# Rivers\n\nRivers run to the sea.")
    for form in auxiliary.FORMS:
        first = auxiliary.request(form, "geography", chunk, 1)
        assert stage_of(first) == form
        assert sections_of(first) == {"domain": "geography", "document": chunk.text}
        later = auxiliary.request(form, "", chunk, 2)
        assert "domain" not in sections_of(later)
        assert "attempt 2" in later[1]["content"]
        assert "attempt" not in first[1]["content"]


def _reply(text: str, failure: str = "") -> Reply:
    return Reply(text, Call("atomic_facts", "k"), failure)


@pytest.mark.parametrize(
    ("form", "reply", "text", "failure"),
    [
        ("detailed_summary", _reply("  All of it.  "), "All of it.", ""),
        ("extractive_summary", _reply("```\nA. B.\n```"), "A. B.", ""),
        ("atomic_facts", _reply('{"facts": ["A.", "B."]}'), "- A.\n- B.", ""),
        ("detailed_summary", _reply(""), "", "empty_answer"),
        ("atomic_facts", _reply('{"facts": []}'), "", "empty_answer"),
        ("atomic_facts", _reply("A and B."), "", "unparseable"),
        ("extractive_summary", _reply("", "truncated"), "", "truncated"),
        ("atomic_facts", _reply("", "empty"), "", "empty"),
    ],
)
def test_the_written_text_or_why_there_is_none(form, reply, text, failure):
    written = auxiliary.written(form, reply)
    assert (written.form, written.text, written.failure[0]) == (form, text, failure)

"""The atomic_facts answer: a list of single-fact statements, and the list as a sample's text."""

from __future__ import annotations

import pytest

from labtax.prompts import atomic_facts


def test_parse_reads_the_facts():
    assert atomic_facts.parse('{"facts": [" Rain falls. ", "Snow melts."]}') == [
        "Rain falls.",
        "Snow melts.",
    ]
    assert atomic_facts.parse('```json\n{"facts": []}\n```') == []


@pytest.mark.parametrize("text", ['{"facts": "Rain falls."}', '{"facts": [1, 2]}', "Rain."])
def test_an_answer_without_a_list_of_facts_is_unparseable(text):
    assert atomic_facts.parse(text) is None


def test_facts_become_a_list_one_a_line():
    assert atomic_facts.as_text(["Rain falls.", "Snow melts."]) == "- Rain falls.\n- Snow melts."

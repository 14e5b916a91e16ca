"""The standalone answer: does each closed-book question make sense without the passage?"""

from __future__ import annotations

import pytest

from labtax.prompts import render, standalone
from labtax.prompts.standalone import Standalone


def test_parse_reads_each_items_verdict():
    text = (
        '{"verdicts": [{"id": 1, "explanation": "names its subject", "stands_alone": true},'
        ' {"id": 2, "explanation": "says the passage", "stands_alone": false}]}'
    )
    assert standalone.parse(text) == {
        1: Standalone("names its subject", True),
        2: Standalone("says the passage", False),
    }


@pytest.mark.parametrize("entry", ['{"id": 1, "stands_alone": "yes"}', '{"id": 1}'])
def test_an_entry_without_a_boolean_gives_no_verdict(entry):
    assert standalone.parse(f'{{"verdicts": [{entry}]}}') == {}


def test_an_answer_without_verdicts_is_unparseable():
    assert standalone.parse('{"stands_alone": true}') is None


def test_the_prompt_says_what_pointing_at_a_passage_looks_like():
    system = render("standalone", {"items": "[]"})[0]["content"]
    for phrase in ("according to the passage", "this document", "closed-book"):
        assert phrase in system

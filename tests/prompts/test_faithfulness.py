"""The faithfulness answer: a boolean verdict and why, per item."""

from __future__ import annotations

import pytest

from labtax.prompts import faithfulness
from labtax.prompts.faithfulness import Faithfulness


def test_parse_reads_each_items_verdict_and_explanation():
    text = (
        '{"verdicts": [{"id": 1, "explanation": "ok", "faithful": true},'
        ' {"id": 2, "faithful": false}]}'
    )
    assert faithfulness.parse(text) == {1: Faithfulness("ok", True), 2: Faithfulness("", False)}
    fenced = '```json\n{"verdicts": [{"id": "3", "faithful": false}]}\n```'
    assert faithfulness.parse(fenced) == {3: Faithfulness("", False)}


@pytest.mark.parametrize(
    "entry",
    [
        '{"id": 1, "faithful": "true"}',
        '{"id": 1, "faithful": 1}',
        '{"id": 1, "explanation": "ok"}',
        '{"faithful": true}',
        '{"id": 0, "faithful": true}',
        '{"id": true, "faithful": true}',
    ],
)
def test_an_entry_without_a_boolean_verdict_or_an_id_gives_no_verdict(entry):
    assert faithfulness.parse(f'{{"verdicts": [{entry}]}}') == {}


@pytest.mark.parametrize("text", ['{"faithful": true}', '{"verdicts": {"1": true}}', "faithful"])
def test_an_answer_without_a_list_of_verdicts_is_unparseable(text):
    assert faithfulness.parse(text) is None

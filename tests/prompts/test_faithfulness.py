"""The faithfulness answer: a boolean verdict and why."""

from __future__ import annotations

import pytest

from labtax.prompts import faithfulness
from labtax.prompts.faithfulness import Faithfulness


def test_parse_reads_the_verdict_and_the_explanation():
    assert faithfulness.parse('{"explanation": "ok", "faithful": true}') == Faithfulness("ok", True)
    assert faithfulness.parse('```json\n{"faithful": false}\n```') == Faithfulness("", False)


@pytest.mark.parametrize(
    "text", ['{"faithful": "true"}', '{"faithful": 1}', '{"explanation": "ok"}', "faithful"]
)
def test_a_verdict_that_is_not_a_boolean_is_unparseable(text):
    assert faithfulness.parse(text) is None

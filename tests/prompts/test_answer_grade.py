"""The judge's grade: an explanation, then a score from 1 to 10."""

from __future__ import annotations

import pytest

from labtax.prompts import answer_grade
from labtax.prompts.answer_grade import Grade


def test_parse_reads_a_fenced_grade_and_a_digit_string():
    fenced = '```json\n{"explanation": "close", "score": 8}\n```'
    assert answer_grade.parse(fenced) == Grade("close", 8)
    assert answer_grade.parse('{"explanation": "x", "score": " 10 "}') == Grade("x", 10)
    assert answer_grade.parse('{"score": 1}') == Grade("", 1)


@pytest.mark.parametrize(
    "text",
    [
        '{"explanation": "x", "score": 0}',
        '{"explanation": "x", "score": 11}',
        '{"explanation": "x", "score": "-3"}',
        '{"explanation": "x", "score": 7.5}',
        '{"explanation": "x", "score": true}',
        '{"explanation": "x"}',
        "The score is 7.",
    ],
)
def test_a_score_out_of_range_or_missing_is_unparseable_never_a_default(text):
    assert answer_grade.parse(text) is None


def test_the_rubric_asks_for_the_explanation_first_and_is_a_judge():
    assert answer_grade.STAGE.judge
    text = answer_grade.STAGE.template_text()
    assert text.index("explanation") < text.index('"score"')
    assert "10:" in text
    assert "- 1:" in text

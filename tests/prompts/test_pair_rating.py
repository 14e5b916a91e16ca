"""The pair_rating answer: a score of 1, 2 or 3."""

from __future__ import annotations

import pytest

from labtax.prompts import pair_rating
from labtax.prompts.pair_rating import Rating


def test_parse_reads_a_fenced_score_and_a_digit_string():
    assert pair_rating.parse('```json\n{"explanation": "fine", "score": 2}\n```') == Rating(
        "fine", 2
    )
    assert pair_rating.parse('{"explanation": "x", "score": " 3 "}') == Rating("x", 3)
    assert pair_rating.parse('{"score": 1}') == Rating("", 1)


@pytest.mark.parametrize(
    "text",
    [
        '{"explanation": "x", "score": 0}',
        '{"explanation": "x", "score": 4}',
        '{"explanation": "x", "score": "4"}',
        '{"explanation": "x", "score": 2.5}',
        '{"explanation": "x"}',
        '{"explanation": "x", "score": true}',
        "score: 3",
    ],
)
def test_a_score_out_of_range_or_missing_is_unparseable_never_a_default(text):
    assert pair_rating.parse(text) is None

"""The pair_rating answer: a score of 1, 2 or 3 per item."""

from __future__ import annotations

import pytest

from labtax.prompts import pair_rating
from labtax.prompts.pair_rating import Rating


def test_parse_reads_a_fenced_score_and_a_digit_string():
    text = '```json\n{"ratings": [{"id": 1, "explanation": "fine", "score": 2}]}\n```'
    assert pair_rating.parse(text) == {1: Rating("fine", 2)}
    both = '{"ratings": [{"id": 2, "explanation": "x", "score": " 3 "}, {"id": 1, "score": 1}]}'
    assert pair_rating.parse(both) == {1: Rating("", 1), 2: Rating("x", 3)}


@pytest.mark.parametrize(
    "score",
    ["0", "4", '"4"', "2.5", "true", "null", '"high"'],
)
def test_a_score_out_of_range_or_missing_gives_no_rating_never_a_default(score):
    assert pair_rating.parse(f'{{"ratings": [{{"id": 1, "score": {score}}}]}}') == {}


def test_the_first_entry_for_an_id_counts():
    text = '{"ratings": [{"id": 1, "score": 3}, {"id": 1, "score": 1}]}'
    assert pair_rating.parse(text) == {1: Rating("", 3)}


@pytest.mark.parametrize("text", ['{"score": 3}', "score: 3", '{"ratings": 3}'])
def test_an_answer_without_a_list_of_ratings_is_unparseable(text):
    assert pair_rating.parse(text) is None

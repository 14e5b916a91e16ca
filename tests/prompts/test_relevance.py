"""The relevance answer: a score of 1, 2 or 3 per item, which becomes the sample's score."""

from __future__ import annotations

import pytest

from labtax.prompts import relevance
from labtax.prompts.relevance import Relevance


def test_parse_reads_each_items_score_and_explanation():
    text = '{"scores": [{"id": 1, "explanation": "on point", "score": 3}, {"id": 2, "score": "2"}]}'
    assert relevance.parse(text) == {1: Relevance("on point", 3), 2: Relevance("", 2)}


@pytest.mark.parametrize("score", ["0", "4", "1.5", "false", '"very"'])
def test_a_score_out_of_range_gives_no_score(score):
    assert relevance.parse(f'{{"scores": [{{"id": 1, "score": {score}}}]}}') == {}


@pytest.mark.parametrize("text", ['{"score": 3}', '{"scores": "3"}', "three"])
def test_an_answer_without_a_list_of_scores_is_unparseable(text):
    assert relevance.parse(text) is None

"""The question_judge answer: three checks per item and the first failing one as the reason."""

from __future__ import annotations

import pytest

from labtax.prompts import question_judge
from labtax.prompts.question_judge import Verdict


def test_parse_reads_the_three_checks_and_the_explanation_of_each_item():
    verdicts = question_judge.parse(
        '{"verdicts": [{"id": 1, "explanation": "off topic", "relevant": false,'
        ' "harmless": true, "answerable": true},'
        ' {"id": 2, "relevant": true, "harmless": true, "answerable": true}]}'
    )
    assert verdicts == {
        1: Verdict("off topic", relevant=False, harmless=True, answerable=True),
        2: Verdict("", relevant=True, harmless=True, answerable=True),
    }
    assert verdicts[1].reason == "irrelevant"
    assert verdicts[2].reason is None


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        ((False, False, False), "irrelevant"),
        ((True, False, False), "harmful"),
        ((True, True, False), "unanswerable"),
    ],
)
def test_the_first_failing_check_is_the_reason(flags, reason):
    assert Verdict("", *flags).reason == reason


@pytest.mark.parametrize(
    "entry",
    [
        '{"id": 1, "relevant": "yes", "harmless": true, "answerable": true}',
        '{"id": 1, "relevant": true, "harmless": true}',
        '{"id": 1, "relevant": 1, "harmless": true, "answerable": true}',
    ],
)
def test_a_check_that_is_not_a_boolean_gives_no_verdict(entry):
    assert question_judge.parse(f'{{"verdicts": [{entry}]}}') == {}


def test_an_answer_without_verdicts_is_unparseable():
    assert question_judge.parse("relevant, harmless and answerable") is None
    assert question_judge.parse('{"relevant": true, "harmless": true, "answerable": true}') is None

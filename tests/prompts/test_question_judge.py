"""The question_judge answer: three checks and the first failing one as the reason."""

from __future__ import annotations

import pytest

from labtax.prompts import question_judge
from labtax.prompts.question_judge import Verdict


def test_parse_reads_the_three_checks_and_the_explanation():
    verdict = question_judge.parse(
        '{"explanation": "off topic", "relevant": false, "harmless": true, "answerable": true}'
    )
    assert verdict == Verdict("off topic", relevant=False, harmless=True, answerable=True)
    assert verdict.reason == "irrelevant"
    passing = question_judge.parse('{"relevant": true, "harmless": true, "answerable": true}')
    assert passing == Verdict("", relevant=True, harmless=True, answerable=True)
    assert passing.reason is None


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
    "text",
    [
        '{"relevant": "yes", "harmless": true, "answerable": true}',
        '{"relevant": true, "harmless": true}',
        '{"relevant": 1, "harmless": true, "answerable": true}',
        "relevant, harmless and answerable",
    ],
)
def test_a_check_that_is_not_a_boolean_is_unparseable(text):
    assert question_judge.parse(text) is None

"""The student's answer: plain text, trimmed; nothing said is no answer."""

from __future__ import annotations

import pytest

from labtax.prompts import student_answer


def test_parse_trims_the_answer():
    assert student_answer.parse("  Joyful.\n") == "Joyful."
    assert student_answer.parse("Line one\nline two") == "Line one\nline two"


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n"])
def test_an_empty_answer_is_none(text):
    assert student_answer.parse(text) is None


def test_the_stage_carries_no_markup():
    assert student_answer.STAGE.markup is False
    assert not student_answer.STAGE.json_answer

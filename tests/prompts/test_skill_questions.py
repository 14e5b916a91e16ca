"""The skill_questions answer: a list of new questions."""

from __future__ import annotations

import pytest

from labtax.prompts import skill_questions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"questions": ["a?", "b?"]}', ["a?", "b?"]),
        ('```json\n{"questions": ["a?"]}\n```', ["a?"]),
        ('Sure! Here you go:\n```\n{"questions": ["a?"]}\n```\nEnjoy.', ["a?"]),
        ('Here: {"questions": ["  a?  ", ""]} done', ["a?"]),
        ('{"questions": []}', []),
        ('{"questions": "a?"}', None),
        ('{"questions": [1, 2]}', None),
        ('{"contexts": ["a?"]}', None),
        ("no json at all", None),
        ('{"questions": ["a?"', None),
        ("", None),
    ],
)
def test_parse_is_tolerant_but_never_guesses(text, expected):
    assert skill_questions.parse(text) == expected

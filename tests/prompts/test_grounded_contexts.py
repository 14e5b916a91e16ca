"""The grounded_contexts answer: a list of new contexts."""

from __future__ import annotations

import pytest

from labtax.prompts import grounded_contexts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"contexts": ["One.", "Two."]}', ["One.", "Two."]),
        ('```json\n{"contexts": ["  One.\\n  "]}\n```', ["One."]),
        ('{"contexts": ["One.", null]}', ["One."]),
        ('{"contexts": []}', []),
        ('{"contexts": [""]}', None),
        ('{"questions": ["One."]}', None),
        ('{"contexts": "One."}', None),
        ("One. Two.", None),
    ],
)
def test_parse_is_tolerant_but_never_guesses(text, expected):
    assert grounded_contexts.parse(text) == expected

"""The knowledge_qa answer: question/answer pairs."""

from __future__ import annotations

import pytest

from labtax.prompts import knowledge_qa


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"pairs": [{"question": "Q1?", "answer": "A1."}, {"question": "Q2?"}, 7]}',
            [("Q1?", "A1.")],
        ),
        ('```json\n{"pairs": [{"question": " Q? ", "answer": " A. "}]}\n```', [("Q?", "A.")]),
        ('{"pairs": []}', []),
        ('{"pairs": [{"q": 1}]}', None),
        ('{"pairs": {"question": "Q?", "answer": "A."}}', None),
        ('{"questions": ["Q?"]}', None),
        ("Q: A.", None),
    ],
)
def test_parse_keeps_well_formed_pairs_and_never_guesses(text, expected):
    assert knowledge_qa.parse(text) == expected

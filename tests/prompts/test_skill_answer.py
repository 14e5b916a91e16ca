"""The skill_answer answer: plain text, a wrapping code fence removed."""

from __future__ import annotations

import pytest

from labtax.prompts import skill_answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("```\nThe answer.\n```", "The answer."),
        ("```markdown\n# Title\n\nBody.\n```", "# Title\n\nBody."),
        ("  plain answer \n", "plain answer"),
        # A fence inside the answer is part of it.
        ("Run:\n```\nls\n```\nDone.", "Run:\n```\nls\n```\nDone."),
        ('{"answer": "not parsed as JSON"}', '{"answer": "not parsed as JSON"}'),
        ("", ""),
    ],
)
def test_parse_returns_the_text(text, expected):
    assert skill_answer.parse(text) == expected

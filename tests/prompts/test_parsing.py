"""Finding the JSON object in a teacher's answer, and reading string lists from it."""

from __future__ import annotations

import pytest

from labtax.prompts import parsing
from labtax.prompts.parsing import extract_json, string_list


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ('```JSON\n{"a": 1}\n```', {"a": 1}),
        ('Sure:\n```\n{"a": 1}\n```\nDone.', {"a": 1}),
        ('Here it is: {"a": {"b": [1, 2]}} and more {"c": 3}', {"a": {"b": [1, 2]}}),
        ('[1, 2] then {"a": 1}', {"a": 1}),
        ('{broken {"a": 1}', {"a": 1}),
        # A fenced object wins over a bare one before the fence.
        ('{"bare": 1}\n```json\n{"fenced": 1}\n```', {"fenced": 1}),
        ("[1, 2]", None),
        ('{"a": 1', None),
        ("", None),
    ],
)
def test_extract_json_takes_the_first_object(text, expected):
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["a", " b "], ["a", "b"]),
        (["a", "", 3], ["a"]),
        ([], []),
        (["", " "], None),
        ([1, 2], None),
        ("a", None),
        (None, None),
    ],
)
def test_string_list_keeps_non_blank_strings(value, expected):
    assert string_list(value) == expected


def test_flags_by_id_keeps_only_boolean_verdicts() -> None:
    text = (
        '{"verdicts": [{"id": 1, "explanation": "ok", "ok": true},'
        ' {"id": "2", "ok": false}, {"id": 3, "ok": "yes"}]}'
    )
    assert parsing.flags_by_id(text, "verdicts", "ok") == {1: ("ok", True), 2: ("", False)}
    assert parsing.flags_by_id('{"other": []}', "verdicts", "ok") is None


def test_scores_by_id_keeps_only_allowed_scores() -> None:
    text = '{"scores": [{"id": 1, "score": "3"}, {"id": 2, "score": 4}, {"id": 3, "score": true}]}'
    assert parsing.scores_by_id(text, "scores", (1, 2, 3)) == {1: ("", 3)}
    assert parsing.scores_by_id("no JSON here", "scores", (1, 2, 3)) is None

"""The shared helpers: `canonical_json` is the text every content hash is computed over."""

from __future__ import annotations

import json
import math

import pytest

from labtax.util import canonical_json


@pytest.mark.parametrize(
    "value",
    [
        None,
        "plain",
        'ünïcödé 日本語 \u2028 \x00 \x1b "quotes" \\ backslash',
        [1, -0.0, 1e100, 0.1, True, False, None],
        {"b": 1, "a": {"d": [], "c": {}}},
        {2: "int keys", 1: "sorted as text"},
        ["leaf/id", None, "question?", "answer."],
        math.inf,
    ],
)
def test_canonical_json_is_sorted_compact_unicode_json(value: object) -> None:
    expected = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert canonical_json(value) == expected


def test_canonical_json_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError):
        canonical_json({"a": object()})

"""The shared helpers: `canonical_json` is the text every content hash is computed over."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from labtax import util
from labtax.util import canonical_json, make_state_dir, public_url, some


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


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
        ("https://user:secret@host.example/v1", "https://host.example/v1"),
        ("https://token@host.example/v1#frag", "https://host.example/v1"),
        (
            "https://h.example/v1?key=sk-1&api-version=2024",
            "https://h.example/v1?key=***&api-version=***",
        ),
        ("not a url", "not a url"),
        ("http://[::1", "<unparseable URL>"),
    ],
)
def test_public_url_drops_credentials_and_query_values(url: str, shown: str) -> None:
    assert public_url(url) == shown


def test_a_state_directory_named_dot_labtax_ignores_itself(tmp_path: Path) -> None:
    made = make_state_dir(tmp_path / ".labtax" / "cache" / "documents")
    assert made.is_dir()
    assert (tmp_path / ".labtax" / ".gitignore").read_text() == "*\n"
    (tmp_path / ".labtax" / ".gitignore").write_text("mine\n")
    make_state_dir(tmp_path / ".labtax" / "other")
    assert (tmp_path / ".labtax" / ".gitignore").read_text() == "mine\n"  # never overwritten
    make_state_dir(tmp_path / "elsewhere" / "cache")
    assert not (tmp_path / "elsewhere" / ".gitignore").exists()
    assert not (tmp_path / "elsewhere" / "cache" / ".gitignore").exists()


def test_some_lists_the_first_few_and_says_when_there_are_more() -> None:
    assert some([]) == ""
    assert some(["a", "b"], 2) == "a, b"
    assert some(["a", "b", "c"], 2) == "a, b, ..."


@pytest.mark.parametrize(
    ("pattern", "collapsed"),
    [
        ("**/**/x", "**/x"),
        ("**/" * 12 + "x", "**/x"),
        ("a/**/**/b/**/**", "a/**/b/**"),
        ("**", "**"),
        ("a/b*/c", "a/b*/c"),
    ],
)
def test_runs_of_globstars_collapse_to_one(pattern: str, collapsed: str) -> None:
    assert util.collapse_globstars(pattern) == collapsed


def test_a_json_document_is_sorted_indented_and_ends_with_one_newline() -> None:
    document = {"b": "\u202e", "a": [1]}
    assert util.json_document(document, ascii_only=True) == (
        '{\n  "a": [\n    1\n  ],\n  "b": "\\u202e"\n}\n'
    )
    assert util.json_document(document, ascii_only=False).endswith('"b": "\u202e"\n}\n')

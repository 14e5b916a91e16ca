"""Walking seed examples without trusting their shape: rules also run on invalid leaves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from labtax.leaves import Leaf, LeafKind
from labtax.yamldoc import PathKey


def seed_examples(leaf: Leaf) -> Iterator[tuple[PathKey, dict[str, Any]]]:
    """(path, example) for each seed example that is a mapping."""
    items = leaf.data.get("seed_examples")
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        if isinstance(item, dict):
            yield ("seed_examples", index), item


def pairs(leaf: Leaf) -> Iterator[tuple[PathKey, dict[str, Any]]]:
    """(path, mapping holding question/answer) for each Q+A in the leaf, skill or knowledge."""
    for path, example in seed_examples(leaf):
        if leaf.kind is not LeafKind.KNOWLEDGE:
            yield path, example
            continue
        qas = example.get("questions_and_answers")
        if not isinstance(qas, list):
            continue
        for index, qa in enumerate(qas):
            if isinstance(qa, dict):
                yield (*path, "questions_and_answers", index), qa


def text_of(mapping: dict[str, Any], key: str) -> str:
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def words(text: str) -> int:
    return len(text.split())


def all_strings(value: Any) -> Iterator[str]:
    """Every string value (not key) inside nested data."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)

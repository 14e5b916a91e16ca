"""What every stage's answer parser shares: finding the JSON object in what a teacher wrote.

Real teachers wrap JSON in prose or in a ```json fence; the parsers take the first JSON object in
the text and check its shape. A shape that does not fit is `None` ("unparseable"), never a default.
A judge grading several items in one call answers with a list of objects, each naming its item's
`id`; `by_id` reads that list, and an item it does not find has no verdict (never a pass).
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


def extract_json(text: str) -> dict[str, Any] | None:
    """The first JSON object in `text` (in a ```json fence or bare), or None when there is none."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        found = _first_object(candidate)
        if found is not None:
            return found
    return None


def string_list(value: object) -> list[str] | None:
    """The non-blank strings of a JSON list, trimmed; None when `value` is not a list.

    Items that are not non-blank strings are dropped, but a list left with none of its items is
    unparseable (an empty list is an answer: nothing).
    """
    if not isinstance(value, list):
        return None
    out = [item.strip() for item in value if isinstance(item, str) and item.strip()]
    return out if len(out) == len(value) or out else None


def by_id(text: str, key: str) -> dict[int, dict[str, Any]] | None:
    """The objects of the list under `key` in the answer's JSON, by their `id` (a positive
    integer, or its digits as text); None when the answer has no such list.

    Objects without a usable id are skipped; of two with the same id the first counts.
    """
    data = extract_json(text)
    entries = data.get(key) if data is not None else None
    if not isinstance(entries, list):
        return None
    out: dict[int, dict[str, Any]] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        number = _item_id(entry.get("id"))
        if number is not None:
            out.setdefault(number, entry)
    return out


def score_of(value: object, allowed: tuple[int, ...]) -> int | None:
    """`value` as one of the `allowed` scores (digits as text count), else None."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        return None
    return value


def flags_by_id(text: str, key: str, flag: str) -> dict[int, tuple[str, bool]] | None:
    """(explanation, verdict) by item id, from the list under `key` whose entries carry the
    JSON boolean `flag`; None when there is no such list. An entry whose flag is not a boolean
    is left out."""
    entries = by_id(text, key)
    if entries is None:
        return None
    return {
        number: (str(entry.get("explanation", "")), entry[flag])
        for number, entry in entries.items()
        if isinstance(entry.get(flag), bool)
    }


def scores_by_id(
    text: str, key: str, allowed: tuple[int, ...]
) -> dict[int, tuple[str, int]] | None:
    """(explanation, score) by item id, from the list under `key` (digits as text count); None
    when there is no such list. An entry without an allowed score is left out."""
    entries = by_id(text, key)
    if entries is None:
        return None
    out = {}
    for number, entry in entries.items():
        score = score_of(entry.get("score"), allowed)
        if score is not None:
            out[number] = (str(entry.get("explanation", "")), score)
    return out


def _item_id(value: object) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None
    return value


def _first_object(text: str) -> dict[str, Any] | None:
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start >= 0:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None

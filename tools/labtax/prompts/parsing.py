"""What every stage's answer parser shares: finding the JSON object in what a teacher wrote.

Real teachers wrap JSON in prose or in a ```json fence; the parsers take the first JSON object in
the text and check its shape. A shape that does not fit is `None` ("unparseable"), never a default.
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

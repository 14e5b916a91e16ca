"""Tolerant parsing of what the teacher answers.

Real teachers wrap JSON in prose or in a ```json fence; the parsers find the first JSON object in
the text and check its shape. A shape that does not fit is `None` ("unparseable"), never a default.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


def extract_json(text: str) -> Any | None:
    """The first JSON object in `text` (in a ```json fence or bare), or None when there is none."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        found = _first_object(candidate)
        if found is not None:
            return found
    return None


def _first_object(text: str) -> Any | None:
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


def _strings(value: object) -> list[str] | None:
    if not isinstance(value, list):
        return None
    out = [item.strip() for item in value if isinstance(item, str) and item.strip()]
    return out if len(out) == len(value) or out else None


def parse_questions(text: str) -> list[str] | None:
    """`{"questions": [str, ...]}` -> the non-empty questions, or None when unparseable."""
    data = extract_json(text)
    return _strings(data.get("questions")) if isinstance(data, dict) else None


def parse_contexts(text: str) -> list[str] | None:
    """`{"contexts": [str, ...]}` -> the non-empty contexts, or None when unparseable."""
    data = extract_json(text)
    return _strings(data.get("contexts")) if isinstance(data, dict) else None


def parse_pairs(text: str) -> list[tuple[str, str]] | None:
    """`{"pairs": [{"question", "answer"}, ...]}` -> well-formed pairs, or None when unparseable."""
    data = extract_json(text)
    pairs = data.get("pairs") if isinstance(data, dict) else None
    if not isinstance(pairs, list):
        return None
    out: list[tuple[str, str]] = []
    for item in pairs:
        if not isinstance(item, dict):
            continue
        question, answer = item.get("question"), item.get("answer")
        if isinstance(question, str) and isinstance(answer, str):
            out.append((question.strip(), answer.strip()))
    return out if out or not pairs else None


@dataclass(frozen=True)
class Verdict:
    """The question judge's answer."""

    explanation: str
    relevant: bool
    harmless: bool
    answerable: bool

    @property
    def reason(self) -> str | None:
        """Why the question is rejected, or None when it passes every check."""
        if not self.relevant:
            return "irrelevant"
        if not self.harmless:
            return "harmful"
        if not self.answerable:
            return "unanswerable"
        return None


def parse_verdict(text: str) -> Verdict | None:
    data = extract_json(text)
    if not isinstance(data, dict):
        return None
    flags = [data.get(k) for k in ("relevant", "harmless", "answerable")]
    if not all(isinstance(flag, bool) for flag in flags):
        return None
    return Verdict(str(data.get("explanation", "")), *(bool(flag) for flag in flags))


@dataclass(frozen=True)
class Rating:
    """The pair rater's answer: a score of 1, 2 or 3 and why."""

    explanation: str
    score: int


def parse_rating(text: str) -> Rating | None:
    data = extract_json(text)
    if not isinstance(data, dict):
        return None
    score = data.get("score")
    if isinstance(score, str) and score.strip() in {"1", "2", "3"}:
        score = int(score.strip())
    if isinstance(score, bool) or not isinstance(score, int) or score not in (1, 2, 3):
        return None
    return Rating(str(data.get("explanation", "")), score)


@dataclass(frozen=True)
class Faithfulness:
    """The faithfulness judge's answer."""

    explanation: str
    faithful: bool


def parse_faithfulness(text: str) -> Faithfulness | None:
    data = extract_json(text)
    if not isinstance(data, dict) or not isinstance(data.get("faithful"), bool):
        return None
    return Faithfulness(str(data.get("explanation", "")), bool(data["faithful"]))


def parse_answer(text: str) -> str:
    """A plain-text answer, with a wrapping code fence (which some models add) removed."""
    stripped = text.strip()
    match = re.fullmatch(r"```[A-Za-z]*\n(.*?)\n?```", stripped, re.DOTALL)
    return match.group(1).strip() if match else stripped

"""Samples and rejections as records, and tolerant parsing of what the teacher answers.

A `Sample` is one question/answer pair (with its grounding context, when any) that survived every
stage; a `Rejection` is a candidate that did not, kept as data with the stage and reason. Ids are
content hashes, so the same content always gets the same id wherever and whenever it is produced.

Real teachers wrap JSON in prose or in a ```json fence; the parsers find the first JSON object in
the text and check its shape. A shape that does not fit is `None` ("unparseable"), never a default.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

ID_HEX = 16
DETAIL_CHARS = 300

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


def canonical_json(value: object) -> str:
    """The one serialisation hashes are computed over: sorted keys, no whitespace, UTF-8 text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sample_id(leaf: str, context: str | None, question: str, answer: str) -> str:
    """First 16 hex digits of sha256 over canonical JSON of `[leaf, context, question, answer]`."""
    digest = hashlib.sha256(canonical_json([leaf, context, question, answer]).encode("utf-8"))
    return digest.hexdigest()[:ID_HEX]


@dataclass(frozen=True)
class Sample:
    """A kept question/answer pair of one leaf."""

    leaf: str
    kind: str
    context: str | None
    question: str
    answer: str
    score: int | None = None

    @property
    def id(self) -> str:
        return sample_id(self.leaf, self.context, self.question, self.answer)

    def to_json(self) -> dict[str, Any]:
        return {
            "context": self.context,
            "id": self.id,
            "kind": self.kind,
            "leaf": self.leaf,
            "messages": [
                {"role": "user", "content": self.question},
                {"role": "assistant", "content": self.answer},
            ],
            "score": self.score,
        }

    def reject(self, stage: str, reason: str, detail: str = "") -> Rejection:
        """This candidate as a rejection at `stage` for `reason`."""
        return Rejection(
            self.leaf,
            self.kind,
            self.context,
            self.question,
            self.answer,
            self.score,
            stage,
            reason,
            clip(detail),
        )


@dataclass(frozen=True)
class Rejection:
    """A candidate dropped at `stage` for `reason` (a short machine-readable word), with detail."""

    leaf: str
    kind: str
    context: str | None
    question: str
    answer: str
    score: int | None
    stage: str
    reason: str
    detail: str = ""

    @property
    def id(self) -> str:
        return sample_id(self.leaf, self.context, self.question, self.answer)

    def to_json(self) -> dict[str, Any]:
        record = Sample(
            self.leaf, self.kind, self.context, self.question, self.answer, self.score
        ).to_json()
        record.update(stage=self.stage, reason=self.reason, detail=self.detail)
        return record

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.id, self.stage, self.reason, self.detail)


def sample_from_json(record: dict[str, Any]) -> Sample:
    """The inverse of `Sample.to_json` (the stored `id` is recomputed, not trusted)."""
    question, answer = _messages(record)
    score = record.get("score")
    return Sample(
        str(record["leaf"]),
        str(record["kind"]),
        _optional_str(record.get("context")),
        question,
        answer,
        score if isinstance(score, int) and not isinstance(score, bool) else None,
    )


def rejection_from_json(record: dict[str, Any]) -> Rejection:
    """The inverse of `Rejection.to_json`."""
    base = sample_from_json(record)
    return base.reject(str(record["stage"]), str(record["reason"]), str(record.get("detail", "")))


def _messages(record: dict[str, Any]) -> tuple[str, str]:
    messages = record.get("messages")
    if not isinstance(messages, list):
        raise TypeError("record has no messages list")
    by_role = {m.get("role"): m.get("content") for m in messages if isinstance(m, dict)}
    return str(by_role.get("user") or ""), str(by_role.get("assistant") or "")


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def clip(text: str, limit: int = DETAIL_CHARS) -> str:
    """`text` on one line, cut to `limit` characters, so rejection details stay reviewable."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


# ---------------------------------------------------------------------------------------------
# Parsing teacher answers


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

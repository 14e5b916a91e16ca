"""The records of `generated/`: kept samples and rejections of one leaf.

A `Sample` is one question/answer pair (with its grounding context, when any) that survived every
stage; a `Rejection` is a candidate that did not, kept as data with the stage and reason. Ids are
content hashes, so the same content always gets the same id wherever and whenever it is produced.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from labtax.util import canonical_json

ID_HEX = 16
DETAIL_CHARS = 300


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

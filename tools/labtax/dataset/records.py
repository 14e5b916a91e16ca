"""The records of `generated/`: what one leaf's stored data is, once read.

A leaf directory holds three files (`FILES`). A `Sample` is one question/answer pair (with its
grounding context, when any) that survived every stage; a `Rejection` is a candidate that did not,
kept as data with the stage and reason; the `Manifest` says what produced them and what it cost.
`LeafData` is all of it for one leaf. Ids are content hashes, so the same content always gets the
same id wherever and whenever it is produced. How these records look on disk is known only to
`reader` and `writer`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from labtax.usage import Usage
from labtax.util import canonical_json

SAMPLES = "samples.jsonl"
REJECTED = "rejected.jsonl"
MANIFEST = "manifest.json"
# Written in this order, manifest last: a leaf whose files do not match its manifest is stale.
FILES = (SAMPLES, REJECTED, MANIFEST)

ID_HEX = 16
DETAIL_CHARS = 300

Content = tuple[str | None, str, str]  # (context, question, answer)


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
    # The content hash, computed once: sorting, matching and checking a stored leaf need it.
    id: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "id", sample_id(self.leaf, self.context, self.question, self.answer)
        )

    @property
    def content(self) -> Content:
        """What the id hashes besides the leaf: equal content is the same sample in any leaf."""
        return (self.context, self.question, self.answer)

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
    id: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "id", sample_id(self.leaf, self.context, self.question, self.answer)
        )

    @property
    def content(self) -> Content:
        return (self.context, self.question, self.answer)

    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.id, self.stage, self.reason, self.detail)


@dataclass(frozen=True)
class TeacherParams:
    """The teacher settings a leaf's data was generated with."""

    model: str
    temperature: float
    max_tokens: int
    seed: int
    samples_per_leaf: int


@dataclass(frozen=True)
class SampleCounts:
    """How many candidates a run produced, kept and rejected (and why)."""

    candidates: int
    kept: int
    rejected: int
    rejected_by_reason: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """What produced a leaf's data and what it cost; `files` pins the JSONL files' digests.

    `usage` is what the run's calls cost; answers served from the cache are not recorded, so its
    `cached_calls` is always 0 in a stored manifest.
    """

    leaf: str
    kind: str
    inputs_hash: str
    labtax_version: str
    teacher: TeacherParams
    templates: Mapping[str, str]
    counts: SampleCounts
    usage: Usage
    files: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LeafData:
    """One leaf's stored data: its manifest (None when there is none) and its records, by id."""

    leaf_id: str
    manifest: Manifest | None
    samples: tuple[Sample, ...]
    rejected: tuple[Rejection, ...]

    def rejected_by_reason(self) -> dict[str, int]:
        return dict(Counter(r.reason or "unknown" for r in self.rejected))


def rejection_rate(rejected: int, kept: int) -> float | None:
    """The share of candidates rejected; None when there were none."""
    total = rejected + kept
    return rejected / total if total else None


def clip(text: str, limit: int = DETAIL_CHARS) -> str:
    """`text` on one line, cut to `limit` characters, so rejection details stay reviewable."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"

"""The records of `generated/` (format 2): what one leaf's stored data is, once read.

A leaf directory holds three files (`FILES`). A `Sample` is one training example that survived
every stage: its `form` says what shape of example it is and how its user turn is built from the
`question` and the grounding `context` (`user_turn`), so every sample's messages are complete on
their own, and its `Provenance` says which teacher calls (and, for knowledge, which document
chunk) it came from. A `Rejection` is a candidate that did not survive, kept as data with the
stage and reason; the `Manifest` says what produced them and what it cost. `LeafData` is all of it
for one leaf. Ids are content hashes, so the same content always gets the same id wherever and
whenever it is produced. How these records look on disk is known only to `reader` and `writer`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from labtax.usage import Usage
from labtax.util import canonical_json

SAMPLES = "samples.jsonl"
REJECTED = "rejected.jsonl"
MANIFEST = "manifest.json"
# Written in this order, manifest last: a leaf whose files do not match its manifest is stale.
FILES = (SAMPLES, REJECTED, MANIFEST)

# The version of the on-disk format the writer writes and the reader accepts (`manifest.format`).
FORMAT = 2

ID_HEX = 16
DETAIL_CHARS = 300

Form = Literal[
    "instruction",
    "grounded",
    "knowledge_qa",
    "detailed_summary",
    "extractive_summary",
    "atomic_facts",
]
INSTRUCTION: Form = "instruction"
GROUNDED: Form = "grounded"
KNOWLEDGE_QA: Form = "knowledge_qa"
# Every form and the leaf kind whose data it is. The three summary and fact forms are auxiliary
# knowledge data: a passage and an instruction about it.
FORM_KINDS: Mapping[Form, str] = MappingProxyType(
    {
        "instruction": "freeform_skill",
        "grounded": "grounded_skill",
        "knowledge_qa": "knowledge",
        "detailed_summary": "knowledge",
        "extractive_summary": "knowledge",
        "atomic_facts": "knowledge",
    }
)
FORMS: tuple[Form, ...] = tuple(FORM_KINDS)
# The auxiliary forms' question is one of labtax's own fixed instructions ("Give a thorough
# summary of the passage above."), not a generated question: diversity figures leave them out.
AUXILIARY_FORMS: frozenset[Form] = frozenset(
    {"detailed_summary", "extractive_summary", "atomic_facts"}
)
# The forms whose instruction needs its context: the user turn is context, a blank line, question.
# `instruction` has no context; `knowledge_qa` is closed book (its context is provenance only).
CONTEXT_IN_TURN: frozenset[Form] = frozenset(
    {"grounded", "detailed_summary", "extractive_summary", "atomic_facts"}
)
SEPARATOR = "\n\n"

# Provenance values for "none": no document chunk behind the sample.
NO_DOCUMENT = ""
NO_CHUNK = -1
FIRST_ROUND = 1
# A candidate that no judge scored (a rejection before the rating); kept samples score 1 to 3.
UNSCORED = 0
MAX_SCORE = 3

Content = tuple[str, str, str, str]  # (form, context, question, answer)


def sample_id(leaf: str, form: str, context: str, question: str, answer: str) -> str:
    """First 16 hex digits of sha256 over canonical JSON of `[leaf, form, context, question,
    answer]`."""
    material = canonical_json([leaf, form, context, question, answer])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:ID_HEX]


def user_turn(form: str, context: str, question: str) -> str:
    """The complete user message of a sample: the question, after its context when the form
    needs it (the way instructlab's sdg combines the two columns)."""
    return context + SEPARATOR + question if form in CONTEXT_IN_TURN else question


def has_context(form: str) -> bool:
    """Whether samples of `form` are grounded in a context (every form but `instruction`)."""
    return form != INSTRUCTION


@dataclass(frozen=True)
class Call:
    """One teacher call a sample came from: the prompt stage and its response-cache key."""

    stage: str
    request: str


@dataclass(frozen=True)
class Provenance:
    """Where a sample came from: the calls in the order they were made, the generation round,
    and for knowledge the document file and the index of its chunk the sample is grounded in."""

    calls: tuple[Call, ...]
    round: int = FIRST_ROUND
    document: str = NO_DOCUMENT
    chunk: int = NO_CHUNK

    def then(self, *calls: Call) -> Provenance:
        """This provenance followed by `calls`."""
        return Provenance((*self.calls, *calls), self.round, self.document, self.chunk)


@dataclass(frozen=True)
class Sample:
    """A kept training example of one leaf."""

    leaf: str
    kind: str
    form: Form
    context: str
    question: str
    answer: str
    score: int
    provenance: Provenance
    # The content hash, computed once: sorting, matching and checking a stored leaf need it.
    id: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "id", sample_id(self.leaf, self.form, self.context, self.question, self.answer)
        )

    @property
    def content(self) -> Content:
        """What the id hashes besides the leaf: equal content is the same sample in any leaf."""
        return (self.form, self.context, self.question, self.answer)

    @property
    def user_turn(self) -> str:
        return user_turn(self.form, self.context, self.question)

    def reject(self, stage: str, reason: str, detail: str = "") -> Rejection:
        """This candidate as a rejection at `stage` for `reason`."""
        return Rejection(
            self.leaf,
            self.kind,
            self.form,
            self.context,
            self.question,
            self.answer,
            self.score,
            self.provenance,
            stage,
            reason,
            clip(detail),
        )


@dataclass(frozen=True)
class Rejection:
    """A candidate dropped at `stage` for `reason` (a short machine-readable word), with detail."""

    leaf: str
    kind: str
    form: Form
    context: str
    question: str
    answer: str
    score: int
    provenance: Provenance
    stage: str
    reason: str
    detail: str = ""
    id: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "id", sample_id(self.leaf, self.form, self.context, self.question, self.answer)
        )

    @property
    def content(self) -> Content:
        return (self.form, self.context, self.question, self.answer)

    @property
    def user_turn(self) -> str:
        return user_turn(self.form, self.context, self.question)

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
class Volume:
    """How many kept samples a leaf aimed for and got, in how many rounds; `shortfall` says why
    the target was missed ("" when it was met)."""

    target: int
    kept: int
    rounds: int
    shortfall: str = ""


@dataclass(frozen=True)
class StageSettings:
    """The sampling settings the calls of one prompt stage were made with."""

    temperature: float
    max_tokens: int


@dataclass(frozen=True)
class DocumentUse:
    """One document file of a knowledge leaf: its path, its chunks, and the samples kept from it."""

    path: str
    chunks: int
    kept: int


@dataclass(frozen=True)
class Manifest:
    """What produced a leaf's data and what it cost; `files` pins the JSONL files' digests.

    `usage` is what the run's calls cost; answers served from the cache are not recorded, so its
    `cached_calls` is always 0 in a stored manifest. `stages` holds the stages the leaf used;
    `documents` is empty for skills.
    """

    leaf: str
    kind: str
    inputs_hash: str
    labtax_version: str
    teacher: TeacherParams
    templates: Mapping[str, str]
    counts: SampleCounts
    usage: Usage
    volume: Volume
    stages: Mapping[str, StageSettings]
    documents: tuple[DocumentUse, ...] = ()
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

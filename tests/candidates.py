"""Sample records built in memory, for tests of code that takes `labtax.dataset` records (filters,
the data diff, renderers). Importable from any test module (`pythonpath = ["tests"]`).

`candidate(question, answer)` is a freeform `instruction`; with a `context` it is a `grounded`
sample unless `form` says otherwise (`knowledge_qa` for knowledge). Its provenance is one call per
stage in `stages`, keyed by a stand-in cache key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from labtax.dataset.records import FORM_KINDS, Call, Form, Provenance, Sample


def key_of(*parts: str) -> str:
    """A stand-in response-cache key: 64 hex digits made from `parts`."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def candidate(
    question: str,
    answer: str,
    context: str | None = None,
    *,
    leaf: str = "t/leaf",
    score: int = 3,
    form: Form | None = None,
    stages: Sequence[str] = ("skill_answer",),
    document: str = "",
    chunk: int = -1,
) -> Sample:
    shape: Form = form or ("instruction" if context is None else "grounded")
    made = Provenance(tuple(Call(s, key_of(s, question)) for s in stages), 1, document, chunk)
    return Sample(leaf, FORM_KINDS[shape], shape, context or "", question, answer, score, made)

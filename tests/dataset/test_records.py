"""The records of a leaf's stored data: content-hash ids, rejections, counts."""

from __future__ import annotations

import hashlib
import json

import pytest

from labtax.dataset import records
from labtax.dataset.records import LeafData, Sample


def test_sample_id_is_a_content_hash() -> None:
    a = Sample("x/y", "freeform_skill", None, "Q?", "A.", 3)
    assert a.id == Sample("x/y", "freeform_skill", None, "Q?", "A.", 2).id
    assert a.id == Sample("x/y", "knowledge", None, "Q?", "A.", 3).id
    assert a.id != Sample("x/z", "freeform_skill", None, "Q?", "A.", 3).id
    assert a.id != Sample("x/y", "freeform_skill", "ctx", "Q?", "A.", 3).id
    assert a.id != Sample("x/y", "freeform_skill", None, "Q?", "B.", 3).id
    canonical = json.dumps(["x/y", None, "Q?", "A."], separators=(",", ":"))
    assert a.id == hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    assert a.id == records.sample_id("x/y", None, "Q?", "A.")
    assert a.content == (None, "Q?", "A.")


def test_a_rejection_keeps_the_candidate_and_a_clipped_detail() -> None:
    sample = Sample("k/l", "knowledge", "doc", "Q?", "A.", None)
    rejection = sample.reject("faithfulness", "unfaithful", "adds   a\nfact")
    assert (rejection.stage, rejection.reason, rejection.detail) == (
        "faithfulness",
        "unfaithful",
        "adds a fact",
    )
    assert rejection.id == sample.id
    assert rejection.content == sample.content
    long = sample.reject("faithfulness", "unfaithful", "word " * 200)
    assert len(long.detail) == records.DETAIL_CHARS
    assert long.detail.endswith("\u2026")
    assert records.clip(long.detail) == long.detail


def test_rejections_by_reason_and_the_rejection_rate() -> None:
    sample = Sample("k/l", "knowledge", None, "Q?", "A.")
    rejected = (
        sample.reject("faithfulness", "unfaithful"),
        sample.reject("pair_rating", "low_score"),
        sample.reject("pair_rating", "low_score"),
    )
    data = LeafData("k/l", None, (sample,), rejected)
    assert data.rejected_by_reason() == {"unfaithful": 1, "low_score": 2}
    assert records.rejection_rate(3, 1) == pytest.approx(0.75)
    assert records.rejection_rate(0, 0) is None

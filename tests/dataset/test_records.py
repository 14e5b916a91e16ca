"""The records of stored data: forms and user turns, content-hash ids, rejections, counts."""

from __future__ import annotations

import hashlib
import json

import pytest

from labtax.dataset import records
from labtax.dataset.records import Call, LeafData, Provenance, Sample

MADE = Provenance((Call("skill_answer", "f" * 64),))


def sample(
    form: records.Form = "instruction",
    context: str = "",
    question: str = "Q?",
    answer: str = "A.",
    *,
    leaf: str = "x/y",
    score: int = 3,
    made: Provenance = MADE,
) -> Sample:
    return Sample(leaf, records.FORM_KINDS[form], form, context, question, answer, score, made)


def test_sample_id_is_a_content_hash() -> None:
    a = sample()
    assert a.id == sample(score=2).id
    assert a.id == sample(made=Provenance((Call("other", "0" * 64),), 2, "d.md", 4)).id
    assert a.id != sample(leaf="x/z").id
    assert a.id != sample("grounded", "ctx").id
    assert a.id != sample(answer="B.").id
    # The form is content: the same text as another shape of example is another sample.
    assert sample("knowledge_qa", "ctx").id != sample("detailed_summary", "ctx").id
    canonical = json.dumps(["x/y", "instruction", "", "Q?", "A."], separators=(",", ":"))
    assert a.id == hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    assert a.id == records.sample_id("x/y", "instruction", "", "Q?", "A.")
    assert a.content == ("instruction", "", "Q?", "A.")


@pytest.mark.parametrize(
    ("form", "turn"),
    [
        ("instruction", "Q?"),
        ("grounded", "The email.\n\nQ?"),
        ("knowledge_qa", "Q?"),
        ("detailed_summary", "The email.\n\nQ?"),
        ("extractive_summary", "The email.\n\nQ?"),
        ("atomic_facts", "The email.\n\nQ?"),
    ],
)
def test_the_form_builds_the_user_turn(form: records.Form, turn: str) -> None:
    context = "" if form == "instruction" else "The email."
    built = sample(form, context)
    assert built.user_turn == turn
    assert built.reject("filter", "empty").user_turn == turn
    assert records.has_context(form) == (form != "instruction")


def test_every_form_belongs_to_one_kind() -> None:
    assert tuple(records.FORM_KINDS) == records.FORMS
    assert set(records.FORM_KINDS.values()) == {"freeform_skill", "grounded_skill", "knowledge"}
    assert set(records.FORMS) > records.CONTEXT_IN_TURN
    assert "knowledge_qa" not in records.CONTEXT_IN_TURN  # closed book


def test_provenance_grows_by_calls_and_keeps_the_rest() -> None:
    start = Provenance((Call("knowledge_qa", "a" * 64),), document="doc.md", chunk=2)
    grown = start.then(Call("faithfulness", "b" * 64))
    assert [c.stage for c in grown.calls] == ["knowledge_qa", "faithfulness"]
    assert (grown.round, grown.document, grown.chunk) == (1, "doc.md", 2)
    assert Provenance(()).document == records.NO_DOCUMENT
    assert Provenance(()).chunk == records.NO_CHUNK


def test_a_rejection_keeps_the_candidate_and_a_clipped_detail() -> None:
    candidate = sample("knowledge_qa", "doc", score=records.UNSCORED)
    rejection = candidate.reject("faithfulness", "unfaithful", "adds   a\nfact")
    assert (rejection.stage, rejection.reason, rejection.detail) == (
        "faithfulness",
        "unfaithful",
        "adds a fact",
    )
    assert rejection.id == candidate.id
    assert rejection.content == candidate.content
    assert (rejection.form, rejection.provenance) == (candidate.form, candidate.provenance)
    long = candidate.reject("faithfulness", "unfaithful", "word " * 200)
    assert len(long.detail) == records.DETAIL_CHARS
    assert long.detail.endswith("\u2026")
    assert records.clip(long.detail) == long.detail


def test_rejections_by_reason_and_the_rejection_rate() -> None:
    kept = sample("knowledge_qa", "doc", leaf="k/l")
    rejected = (
        kept.reject("faithfulness", "unfaithful"),
        kept.reject("pair_rating", "low_score"),
        kept.reject("pair_rating", "low_score"),
    )
    data = LeafData("k/l", None, (kept,), rejected)
    assert data.rejected_by_reason() == {"unfaithful": 1, "low_score": 2}
    assert records.rejection_rate(3, 1) == pytest.approx(0.75)
    assert records.rejection_rate(0, 0) is None

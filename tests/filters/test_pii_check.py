"""The `pii` check of `apply`: allowed text, every field, and rejections stored without the PII."""

from __future__ import annotations

from candidates import candidate
from labtax import filters
from labtax.dataset.records import Sample
from labtax.dataset.writer import rejection_record


def sample(question: str, answer: str, context: str | None = None) -> Sample:
    return candidate(question, answer, context)


def test_allowed_pii_in_a_candidate_is_kept() -> None:
    seed_text = (
        "question: How do I reach support?\nanswer: Email help@fabrikam.io or call 312-867-4421."
    )
    c = sample(
        "How can a customer contact support?", "Call 312-867-4421 or email help@fabrikam.io."
    )
    kept, rejected = filters.apply([c], seeds=[], allowed_text=seed_text)
    assert kept == [c]
    assert rejected == []

    kept, rejected = filters.apply([c], seeds=[], allowed_text="")
    assert kept == []
    assert [(r.reason, r.stage) for r in rejected] == [("pii", "filter")]
    # The detail names the kind and masks the value.
    assert rejected[0].detail == "answer contains phone 31…21"


def test_pii_in_generated_context_is_rejected() -> None:
    c = sample("Summarise the email below.", "A short summary.", "From: jo@initech.net\nHi all")
    _, rejected = filters.apply([c], seeds=[], allowed_text="")
    assert rejected[0].reason == "pii"
    assert rejected[0].detail.startswith("context contains email")


def test_a_pii_rejection_is_stored_without_the_personal_data() -> None:
    c = sample(
        "Who wrote to jo@initech.net about the order?",
        "Ann (ann@corp.io, 415-867-2390) and help@fabrikam.io did.",
        "From: ann@corp.io",
    )
    _, [rejection] = filters.apply([c], seeds=[], allowed_text="help@fabrikam.io")
    assert rejection.question == "Who wrote to [pii:email] about the order?"
    # PII the leaf itself holds stays: it is not anybody's secret.
    assert rejection.answer == "Ann ([pii:email], [pii:phone]) and help@fabrikam.io did."
    assert rejection.context == "From: [pii:email]"
    assert (rejection.leaf, rejection.kind, rejection.score) == (c.leaf, c.kind, c.score)
    assert (rejection.form, rejection.provenance) == (c.form, c.provenance)
    assert "corp.io" not in str(rejection_record(rejection))

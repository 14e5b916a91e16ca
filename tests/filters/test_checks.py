"""The checks of one candidate alone: empty, malformed, too short, too long."""

from __future__ import annotations

import pytest

from candidates import candidate
from candidates import candidate as make
from labtax import filters
from labtax.dataset.records import Sample
from labtax.filters import FilterSettings

GOOD_Q = "Which river flows through the city of Vienna?"
GOOD_A = "The Danube flows through Vienna, dividing the city's older districts from Donaustadt."


def sample(question: str, answer: str, context: str | None = None) -> Sample:
    return candidate(question, answer, context)


def reasons(*candidates: Sample, settings: FilterSettings | None = None) -> list[tuple[str, str]]:
    _, rejected = filters.apply(candidates, seeds=[], allowed_text="", settings=settings)
    return [(r.reason, r.detail) for r in rejected]


def test_good_candidate_is_kept() -> None:
    c = sample(GOOD_Q, GOOD_A)
    assert filters.apply([c], seeds=[], allowed_text="") == ([c], [])


@pytest.mark.parametrize(
    ("candidate", "detail"),
    [
        (sample("", GOOD_A), "question is empty"),
        (sample(GOOD_Q, "  \n\t "), "answer is empty"),
        (sample(GOOD_Q, GOOD_A, context=" "), "context is empty"),
    ],
)
def test_empty(candidate: Sample, detail: str) -> None:
    assert reasons(candidate) == [("empty", detail)]
    assert filters.check_empty(sample(GOOD_Q, GOOD_A, context="Some text.")) is None


def test_only_a_form_with_a_context_needs_one() -> None:
    # An instruction's context is "" by definition: not an empty field.
    assert sample(GOOD_Q, GOOD_A).context == ""
    assert filters.check_empty(sample(GOOD_Q, GOOD_A)) is None
    closed_book = make(GOOD_Q, GOOD_A, "", form="knowledge_qa")
    assert filters.check_empty(closed_book) == "context is empty"


@pytest.mark.parametrize(
    ("candidate", "detail"),
    [
        (
            sample(GOOD_Q, "The Danube\x00 flows."),
            "answer contains the control or invalid character U+0000",
        ),
        (
            sample(GOOD_Q + "\x1b[0m", GOOD_A),
            "question contains the control or invalid character U+001B",
        ),
        (
            sample(GOOD_Q, "Danube \ufffd river"),
            "answer contains the control or invalid character U+FFFD",
        ),
        (
            sample(GOOD_Q, "Run:\n```python\nprint('hi')\n"),
            "answer has an unclosed ``` code fence",
        ),
        (
            sample(GOOD_Q, "The Danube.\n</answer>\n<question>\nNext?"),
            "answer contains the prompt section tag '</answer>'",
        ),
        (
            sample(GOOD_Q, "The Danube.\n<items>\n[]"),
            "answer contains the prompt section tag '<items>'",
        ),
        (sample("?!?! ... ???", GOOD_A), "question has no words"),
    ],
)
def test_malformed(candidate: Sample, detail: str) -> None:
    assert reasons(candidate) == [("malformed", detail)]


def test_well_formed_text_is_not_malformed() -> None:
    tricky = sample(
        "How do I print in Python?\tUse a code block.",
        "Use print:\r\n```python\nprint('<answer>')\n```\nTags like <question> inline are fine. 😀",
    )
    assert filters.check_malformed(tricky) is None


def test_too_short_and_too_long_with_defaults() -> None:
    defaults = FilterSettings()
    short_q = sample("Vienna?", GOOD_A)
    assert reasons(short_q) == [("too_short", "question has 7 characters, fewer than 10")]
    short_a = sample(GOOD_Q, " A ")
    assert reasons(short_a) == [("too_short", "answer has 1 characters, fewer than 2")]
    long_a = sample(GOOD_Q, "word " * 2000)
    assert reasons(long_a) == [
        ("too_long", f"answer has 9999 characters, more than {defaults.max_answer_chars}")
    ]


def test_length_limits_are_inclusive() -> None:
    settings = FilterSettings(
        min_question_chars=12, max_question_chars=12, min_answer_chars=3, max_answer_chars=5
    )
    at_limits = sample("What is one?", "One.")
    assert len(at_limits.question) == 12
    assert reasons(at_limits, settings=settings) == []
    assert reasons(sample("What is one??", "One."), settings=settings)[0][0] == "too_long"
    assert reasons(sample("What is one?", "1."), settings=settings)[0][0] == "too_short"
    assert reasons(sample("What is one?", "One!!!"), settings=settings)[0][0] == "too_long"


def test_first_failing_check_wins() -> None:
    # Short and containing PII: reported as too_short, the earlier check.
    c = sample("Email?", "jo@initech.net")
    assert [r for r, _ in reasons(c)] == ["too_short"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_question_chars": 0},
        {"verbatim_span_words": 0},
        {"min_answer_chars": 10, "max_answer_chars": 9},
        {"min_question_chars": 10, "max_question_chars": 9},
        {"rouge_threshold": 0.0},
        {"rouge_threshold": 1.5},
    ],
)
def test_settings_reject_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="FilterSettings"):
        FilterSettings(**kwargs)  # type: ignore[arg-type]

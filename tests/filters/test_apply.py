"""Checks against seeds and siblings, context scoping, ordering and determinism of `apply`."""

from __future__ import annotations

import random

from labtax import filters
from labtax.filters import Candidate, FilterSettings, Rejected, Seed

SEEDS = [
    Seed(
        "What causes the seasons on Earth?",
        "The seasons are caused by the tilt of Earth's rotational axis, about 23.4 degrees, "
        "relative to the plane of its orbit around the Sun, which changes how directly sunlight "
        "strikes each hemisphere over the course of a year.",
    ),
    Seed("Why is the sky blue?", "Air molecules scatter blue light more than red light."),
]


def run(
    candidates: list[Candidate], *, seeds: list[Seed] = SEEDS, **kwargs: object
) -> tuple[list[Candidate], list[Rejected]]:
    return filters.apply(candidates, seeds=seeds, allowed_text="", **kwargs)  # type: ignore[arg-type]


def test_reasons_are_listed_in_check_order() -> None:
    assert filters.REASONS == (
        "empty",
        "malformed",
        "too_short",
        "too_long",
        "pii",
        "exact_duplicate",
        "verbatim_seed_copy",
        "near_duplicate_seed",
        "near_duplicate_sibling",
    )


def test_exact_duplicate_of_sibling_ignores_case_and_spacing() -> None:
    a = Candidate("a1", "How long is a day on Mars?", "About 24 hours and 39 minutes.")
    b = Candidate("b2", "how long is a  day on MARS?", "About 24 hours and 39 minutes. ")
    kept, rejected = run([b, a])
    assert kept == [a]
    assert rejected == [Rejected("b2", "filter", "exact_duplicate", "same text as sibling a1")]


def test_exact_duplicate_of_seed() -> None:
    copy = Candidate(
        "k", "Why is the sky BLUE?", "Air molecules scatter blue light more than red light."
    )
    _, rejected = run([copy])
    assert [(r.reason, r.detail) for r in rejected] == [("exact_duplicate", "same text as seed 2")]


def test_same_question_different_answer_is_not_an_exact_duplicate() -> None:
    a = Candidate("a", "How long is a day on Mars?", "About 24 hours and 39 minutes.")
    b = Candidate("b", "How long is a day on Mars?", "A sol lasts roughly 24.6 hours.")
    _, rejected = run([a, b])
    # Still caught, but as a near duplicate of the question, not as an exact duplicate.
    assert [(r.key, r.reason) for r in rejected] == [("b", "near_duplicate_sibling")]
    assert rejected[0].detail == "question ROUGE-L 1.000 with sibling a"


def test_verbatim_copy_of_a_seed_answer_span() -> None:
    copied = (
        "Mostly it is because of the tilt of Earth's rotational axis, about 23.4 degrees, "
        "relative to the plane of its orbit around the Sun, which changes how directly sunlight "
        "reaches the ground."
    )
    c = Candidate("k", "What makes summer warmer than winter?", copied)
    _, rejected = run([c])
    assert [r.reason for r in rejected] == ["verbatim_seed_copy"]
    assert rejected[0].detail.startswith(
        "answer copies 20 consecutive words of seed 1's answer: the tilt of earth s rotational"
    )


def test_shorter_overlap_with_seed_answer_is_not_a_verbatim_copy() -> None:
    # 14 consecutive seed words ("the tilt ... relative to the"), then the text departs.
    partial = (
        "In short, the tilt of Earth's rotational axis, about 23.4 degrees, relative to the orbit "
        "means the angle of sunlight changes through the year."
    )
    kept, _ = run([Candidate("k", "What makes summer warmer than winter?", partial)])
    assert len(kept) == 1
    kept, rejected = run(
        [Candidate("k", "What makes summer warmer than winter?", partial)],
        settings=FilterSettings(verbatim_span_words=10),
    )
    assert kept == []
    assert rejected[0].reason == "verbatim_seed_copy"


def test_near_duplicate_of_seed_question() -> None:
    c = Candidate(
        "k", "Why is the sky blue in color?", "Rayleigh scattering favours short wavelengths."
    )
    _, rejected = run([c])
    assert [r.reason for r in rejected] == []  # 5 of 5 and 7 tokens: F = 10/12 < 0.9
    c = Candidate("k", "So why is the sky blue?", "Rayleigh scattering favours short wavelengths.")
    _, rejected = run([c])  # LCS 5 of 6 and 5: F = 10/11
    assert [(r.reason, r.detail) for r in rejected] == [
        ("near_duplicate_seed", "question ROUGE-L 0.909 with seed 2")
    ]


def test_near_duplicate_on_question_and_answer_together() -> None:
    answer = (
        "Jupiter is the largest planet in the Solar System, with a mass more than two and a half "
        "times that of all the other planets combined."
    )
    a = Candidate("a", "Which planet is the largest?", answer)
    b = Candidate("b", "What is the biggest planet?", answer)
    kept, rejected = run([a, b])
    assert kept == [a]
    assert rejected[0].reason == "near_duplicate_sibling"
    assert rejected[0].detail.startswith("question+answer ROUGE-L 0.9")


def test_rejected_siblings_do_not_block_others() -> None:
    # `a` is rejected for PII; `b`, nearly the same, is compared only with kept siblings.
    a = Candidate(
        "a", "Who should I contact about billing issues?", "Write to jo@initech.net about it."
    )
    b = Candidate(
        "b", "Who should I contact about billing issues?", "Write to the billing team about it."
    )
    kept, rejected = run([a, b])
    assert kept == [b]
    assert [(r.key, r.reason) for r in rejected] == [("a", "pii")]


def test_context_scoping_for_grounded_skills() -> None:
    q = "Summarise the following email in one sentence."
    email_a = "Hi team, the quarterly review moves to Thursday at 10 because the CFO is travelling."
    email_b = "Dear all, the office will be closed on Monday for maintenance of the heating system."
    a = Candidate("a", q, "The quarterly review moves to Thursday.", email_a)
    b = Candidate("b", q, "The office is closed on Monday.", email_b)
    # Lightly edited copy of email_a: near-identical context, so the same instruction is a dup.
    c = Candidate(
        "c", q, "The review is now on Thursday.", email_a.replace("Hi team", "Hello team")
    )
    kept, rejected = run([a, b, c], seeds=[], context_scoped=True)
    assert kept == [a, b]
    assert [(r.key, r.reason) for r in rejected] == [("c", "near_duplicate_sibling")]

    # Without scoping the shared instruction makes every later candidate a duplicate.
    kept, rejected = run([a, b, c], seeds=[], context_scoped=False)
    assert kept == [a]
    assert [(r.key, r.reason) for r in rejected] == [
        ("b", "near_duplicate_sibling"),
        ("c", "near_duplicate_sibling"),
    ]


def test_context_scoping_for_exact_duplicates() -> None:
    q, ans = "Summarise the following email in one sentence.", "Nothing to report."
    a = Candidate("a", q, ans, "Email one says nothing at all of interest, really.")
    b = Candidate("b", q, ans, "Completely different message about lunch plans tomorrow.")
    kept, _ = run([a, b], seeds=[], context_scoped=True)
    assert kept == [a, b]
    _, rejected = run([a, b], seeds=[], context_scoped=False)
    assert [(r.key, r.reason) for r in rejected] == [("b", "exact_duplicate")]


def test_output_sorted_by_key_and_deterministic_under_shuffle() -> None:
    rng = random.Random(11)
    topics = ["Mars", "Venus", "Saturn", "Jupiter", "Neptune", "Mercury", "Uranus", "Pluto"]
    facts = ["mass", "radius", "day length", "number of moons", "surface gravity"]
    candidates = []
    for i, (t, f) in enumerate((t, f) for t in topics for f in facts):
        q = f"What is the {f} of {t}?"
        candidates.append(Candidate(f"{i:03d}", q, f"The {f} of {t} is documented by NASA."))
        # Near and exact duplicates with keys that sort both before and after the original.
        candidates.append(
            Candidate(f"{(i * 37) % 100:03d}x", q.replace("What", "So what"), f"The {f} of {t}.")
        )
        if i % 3 == 0:
            candidates.append(
                Candidate(f"z{i:03d}", q.upper(), f"The {f} of {t} is documented by NASA.")
            )
    candidates.append(Candidate("empty", "", "x"))
    candidates.append(
        Candidate("pii", "Who discovered Pluto's moon Charon?", "Ask jo@initech.net.")
    )

    expected = filters.apply(candidates, seeds=SEEDS, allowed_text="")
    kept, rejected = expected
    assert [c.key for c in kept] == sorted(c.key for c in kept)
    assert [r.key for r in rejected] == sorted(r.key for r in rejected)
    assert {r.reason for r in rejected} >= {
        "empty",
        "pii",
        "exact_duplicate",
        "near_duplicate_sibling",
    }
    assert len(kept) + len(rejected) == len(candidates)
    for _ in range(5):
        shuffled = candidates[:]
        rng.shuffle(shuffled)
        assert filters.apply(shuffled, seeds=SEEDS, allowed_text="") == expected


def test_candidates_with_equal_keys_order_by_content() -> None:
    a = Candidate(
        "same", "Which moon is the largest in the Solar System?", "Ganymede, a moon of Jupiter."
    )
    b = Candidate(
        "same", "Which moon is the largest in the Solar System?", "Ganymede, orbiting Jupiter."
    )
    for order in ([a, b], [b, a]):
        kept, rejected = run(order)
        assert kept == [a]  # "Ganymede, a" sorts before "Ganymede, o"
        assert [r.reason for r in rejected] == ["near_duplicate_sibling"]


def test_accepts_a_tuple_and_leaves_it_alone() -> None:
    items = (
        Candidate("b", "What is the boiling point of water?", "100 °C at sea level."),
        Candidate("a", "What is the freezing point of water?", "0 °C at sea level."),
    )
    before = tuple(items)
    kept, rejected = filters.apply(items, seeds=SEEDS, allowed_text="")
    assert kept == [items[1], items[0]]
    assert rejected == []
    assert items == before

"""Checks against seeds and siblings, context scoping, identical candidates, ordering and
determinism of `apply`, which takes and returns the dataset's own records."""

from __future__ import annotations

import random
from dataclasses import replace

from candidates import candidate
from labtax import filters
from labtax.dataset.records import Rejection, Sample
from labtax.filters import FilterSettings

SEEDS = [
    (
        None,
        "What causes the seasons on Earth?",
        "The seasons are caused by the tilt of Earth's rotational axis, about 23.4 degrees, "
        "relative to the plane of its orbit around the Sun, which changes how directly sunlight "
        "strikes each hemisphere over the course of a year.",
    ),
    (None, "Why is the sky blue?", "Air molecules scatter blue light more than red light."),
]


def sample(
    question: str, answer: str, context: str | None = None, *, leaf: str = "t/leaf"
) -> Sample:
    return candidate(question, answer, context, leaf=leaf)


def key(item: Sample, copy: int = 0) -> str:
    return f"{item.id}.{copy}"


def ordered(*items: Sample) -> list[Sample]:
    """The candidates in the order `apply` processes them (by key)."""
    return sorted(items, key=key)


def sorting_before(build, other: Sample) -> Sample:
    """A candidate made by `build(leaf)` whose key sorts before `other`'s (the leaf is part of the
    id, so trying leaves finds one)."""
    return next(c for c in (build(f"t/{i}") for i in range(100)) if key(c) < key(other))


def run(
    candidates: list[Sample], *, seeds=SEEDS, **kwargs: object
) -> tuple[list[Sample], list[Rejection]]:
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
    a = sample("How long is a day on Mars?", "About 24 hours and 39 minutes.")
    b = sample("how long is a  day on MARS?", "About 24 hours and 39 minutes. ")
    first, second = ordered(a, b)
    kept, rejected = run([b, a])
    assert kept == [first]
    assert rejected == [
        second.reject("filter", "exact_duplicate", f"same text as sibling {key(first)}")
    ]


def test_exact_duplicate_of_seed() -> None:
    copy = sample("Why is the sky BLUE?", "Air molecules scatter blue light more than red light.")
    _, rejected = run([copy])
    assert [(r.reason, r.detail) for r in rejected] == [("exact_duplicate", "same text as seed 2")]


def test_identical_candidates_keep_the_first_copy_and_name_it() -> None:
    # Identical candidates share a sample id; their keys tell the copies apart in input order.
    a = sample("Which gas do plants take in?", "Carbon dioxide.")
    same_but_score = replace(a, score=2)
    kept, rejected = run([a, same_but_score, a])
    assert kept == [a]
    detail = f"same text as sibling {key(a)}"
    assert rejected == [
        same_but_score.reject("filter", "exact_duplicate", detail),
        a.reject("filter", "exact_duplicate", detail),
    ]
    kept, _ = run([same_but_score, a])
    assert kept == [same_but_score]
    assert [k for k, _ in filters.keyed([a, same_but_score, a])] == [
        key(a, 0),
        key(a, 1),
        key(a, 2),
    ]


def test_same_question_different_answer_is_not_an_exact_duplicate() -> None:
    a = sample("How long is a day on Mars?", "About 24 hours and 39 minutes.")
    b = sample("How long is a day on Mars?", "A sol lasts roughly 24.6 hours.")
    first, second = ordered(a, b)
    _, rejected = run([a, b])
    # Still caught, but as a near duplicate of the question, not as an exact duplicate.
    assert [(r.question, r.answer, r.reason) for r in rejected] == [
        (second.question, second.answer, "near_duplicate_sibling")
    ]
    assert rejected[0].detail == f"question ROUGE-L 1.000 with sibling {key(first)}"


def test_verbatim_copy_of_a_seed_answer_span() -> None:
    copied = (
        "Mostly it is because of the tilt of Earth's rotational axis, about 23.4 degrees, "
        "relative to the plane of its orbit around the Sun, which changes how directly sunlight "
        "reaches the ground."
    )
    c = sample("What makes summer warmer than winter?", copied)
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
    kept, _ = run([sample("What makes summer warmer than winter?", partial)])
    assert len(kept) == 1
    kept, rejected = run(
        [sample("What makes summer warmer than winter?", partial)],
        settings=FilterSettings(verbatim_span_words=10),
    )
    assert kept == []
    assert rejected[0].reason == "verbatim_seed_copy"


def test_near_duplicate_of_seed_question() -> None:
    c = sample("Why is the sky blue in color?", "Rayleigh scattering favours short wavelengths.")
    _, rejected = run([c])
    assert [r.reason for r in rejected] == []  # 5 of 5 and 7 tokens: F = 10/12 < 0.9
    c = sample("So why is the sky blue?", "Rayleigh scattering favours short wavelengths.")
    _, rejected = run([c])  # LCS 5 of 6 and 5: F = 10/11
    assert [(r.reason, r.detail) for r in rejected] == [
        ("near_duplicate_seed", "question ROUGE-L 0.909 with seed 2")
    ]


def test_near_duplicate_on_question_and_answer_together() -> None:
    answer = (
        "Jupiter is the largest planet in the Solar System, with a mass more than two and a half "
        "times that of all the other planets combined."
    )
    a = sample("Which planet is the largest?", answer)
    b = sample("What is the biggest planet?", answer)
    kept, rejected = run([a, b])
    assert kept == ordered(a, b)[:1]
    assert rejected[0].reason == "near_duplicate_sibling"
    assert rejected[0].detail.startswith("question+answer ROUGE-L 0.9")


def test_rejected_siblings_do_not_block_others() -> None:
    # `a` is processed first and rejected for PII; `b`, nearly the same, is compared only with
    # kept siblings.
    b = sample("Who should I contact about billing issues?", "Write to the billing team about it.")
    a = sorting_before(
        lambda leaf: sample(
            "Who should I contact about billing issues?",
            "Write to jo@initech.net about it.",
            leaf=leaf,
        ),
        b,
    )
    kept, rejected = run([b, a])
    assert kept == [b]
    assert [(r.leaf, r.reason) for r in rejected] == [(a.leaf, "pii")]


def test_context_scoping_for_grounded_skills() -> None:
    q = "Summarise the following email in one sentence."
    email_a = "Hi team, the quarterly review moves to Thursday at 10 because the CFO is travelling."
    email_b = "Dear all, the office will be closed on Monday for maintenance of the heating system."
    a = sample(q, "The quarterly review moves to Thursday.", email_a)
    b = sample(q, "The office is closed on Monday.", email_b)
    # Lightly edited copy of email_a: near-identical context, so the same instruction is a dup.
    c = sample(q, "The review is now on Thursday.", email_a.replace("Hi team", "Hello team"))
    first_of_ac, second_of_ac = ordered(a, c)
    kept, rejected = run([a, b, c], seeds=[], context_scoped=True)
    assert kept == ordered(first_of_ac, b)
    assert [(r.answer, r.reason) for r in rejected] == [
        (second_of_ac.answer, "near_duplicate_sibling")
    ]

    # A form whose user turn holds its context is scoped whatever the leaf says.
    kept, _ = run([a, b, c], seeds=[], context_scoped=False)
    assert kept == ordered(first_of_ac, b)

    # A closed-book form is not: the shared question makes every later candidate a duplicate.
    closed = [candidate(s.question, s.answer, s.context, form="knowledge_qa") for s in (a, b, c)]
    first, *later = ordered(*closed)
    kept, rejected = run(closed, seeds=[], context_scoped=False)
    assert kept == [first]
    assert [(r.answer, r.reason) for r in rejected] == [
        (s.answer, "near_duplicate_sibling") for s in later
    ]


def test_siblings_are_compared_within_their_form() -> None:
    passage = "Rain falls when droplets in a cloud grow heavy enough to fall."
    summary = candidate("Summarise the passage above.", passage, passage, form="detailed_summary")
    facts = candidate("List the facts of the passage above.", passage, passage, form="atomic_facts")
    # The same answer under another form is another example; under the same form a duplicate.
    again = candidate("List the facts of the passage above!", passage, passage, form="atomic_facts")
    kept, rejected = run([summary, facts, again], seeds=[])
    assert {s.form for s in kept} == {"detailed_summary", "atomic_facts"}
    assert [r.reason for r in rejected] == ["near_duplicate_sibling"]


def test_words_the_documents_also_hold_are_not_copies_of_a_seed() -> None:
    copied = (
        "Cloud droplets are far too small to fall on their own and grow when they collide and"
        " merge with each other until they are heavy enough to fall"
    )
    document = f"{copied} as rain, snow, sleet or hail. Warm air rises and cools as it expands."
    seeds = [(document, "How do cloud droplets grow?", document)]
    answer = f"{copied}. Nothing else is needed."
    quoted = candidate("What makes cloud droplets fall?", answer, document, form="knowledge_qa")
    kept, rejected = run([quoted], seeds=seeds)
    assert [r.reason for r in rejected] == ["verbatim_seed_copy"]
    kept, rejected = run([quoted], seeds=seeds, source_text="Notes.\n\n" + document)
    assert (kept, rejected) == ([quoted], [])


def test_context_scoping_for_exact_duplicates() -> None:
    q, ans = "Summarise the following email in one sentence.", "Nothing to report."
    a = sample(q, ans, "Email one says nothing at all of interest, really.")
    b = sample(q, ans, "Completely different message about lunch plans tomorrow.")
    kept, _ = run([a, b], seeds=[], context_scoped=True)
    assert kept == ordered(a, b)
    closed = [candidate(s.question, s.answer, s.context, form="knowledge_qa") for s in (a, b)]
    _, rejected = run(closed, seeds=[], context_scoped=False)
    assert [(r.context, r.reason) for r in rejected] == [
        (ordered(*closed)[1].context, "exact_duplicate")
    ]


def test_output_in_key_order_and_deterministic_under_shuffle() -> None:
    rng = random.Random(11)
    topics = ["Mars", "Venus", "Saturn", "Jupiter", "Neptune", "Mercury", "Uranus", "Pluto"]
    facts = ["mass", "radius", "day length", "number of moons", "surface gravity"]
    candidates = []
    for i, (t, f) in enumerate((t, f) for t in topics for f in facts):
        q = f"What is the {f} of {t}?"
        candidates.append(sample(q, f"The {f} of {t} is documented by NASA."))
        candidates.append(sample(q.replace("What", "So what"), f"The {f} of {t}."))
        if i % 3 == 0:
            candidates.append(sample(q.upper(), f"The {f} of {t} is documented by NASA."))
    candidates.append(sample("", "x"))
    candidates.append(sample("Who discovered Pluto's moon Charon?", "Ask jo@initech.net."))

    expected = filters.apply(candidates, seeds=SEEDS, allowed_text="")
    kept, rejected = expected
    assert [s.id for s in kept] == sorted(s.id for s in kept)
    # Rejections come in key order too (ids of `pii` ones change: their text is redacted).
    dropped = [s.question for _, s in filters.keyed(candidates) if s not in kept]
    assert [r.question for r in rejected] == dropped
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


def test_accepts_a_tuple_and_leaves_it_alone() -> None:
    items = (
        sample("What is the boiling point of water?", "100 °C at sea level."),
        sample("What is the freezing point of water?", "0 °C at sea level."),
    )
    before = tuple(items)
    kept, rejected = filters.apply(items, seeds=SEEDS, allowed_text="")
    assert kept == ordered(*items)
    assert rejected == []
    assert items == before

"""Decontamination: a train user turn that is a test turn, exactly (normalised) or as a
near-duplicate (ROUGE-L at the threshold), is found, and the index never misses one that a
comparison of every pair would find."""

from __future__ import annotations

import random

import pytest

from labtax.export.decontamination import HeldOutTurns
from labtax.filters import Similarity, normalized, words

VOCABULARY = [f"w{i}" for i in range(25)]


def brute_force(turn: str, tests: list[str], threshold: float) -> bool:
    similarity = Similarity(threshold)
    if any(normalized(turn) == normalized(t) for t in tests):
        return True
    return any(similarity.reaches(words(turn), words(t))[0] for t in tests)


def mutated(rng: random.Random, base: list[str]) -> str:
    out = list(base)
    for _ in range(rng.randint(0, 3)):
        choice = rng.random()
        if choice < 0.33 and out:
            out.pop(rng.randrange(len(out)))
        elif choice < 0.66:
            out.insert(rng.randrange(len(out) + 1), rng.choice(VOCABULARY))
        elif out:
            out[rng.randrange(len(out))] = rng.choice(VOCABULARY)
    return " ".join(out)


@pytest.mark.parametrize("threshold", [0.6, 0.8, 0.9, 1.0])
def test_the_index_finds_exactly_what_comparing_every_pair_finds(threshold):
    rng = random.Random(threshold)
    tests = [
        " ".join(rng.choice(VOCABULARY) for _ in range(rng.choice([1, 2, 3, 6, 12, 30])))
        for _ in range(150)
    ]
    index = HeldOutTurns(tests, threshold)
    found = 0
    for _ in range(600):
        turn = mutated(rng, rng.choice(tests).split())
        expected = brute_force(turn, tests, threshold)
        assert (index.match([turn]) is not None) == expected, turn
        found += expected
    assert 50 < found < 600  # both outcomes were exercised


def test_exact_means_the_same_normalised_text():
    index = HeldOutTurns(["What is the Water Cycle?"], 0.9)
    assert index.match(["  what is the WATER   cycle?"]) == "exact"
    assert index.match(["What is the water cycle"]) == "near"  # punctuation: same words
    assert index.match(["What is the carbon cycle?"]) is None
    assert len(index) == 1


def test_a_turn_given_in_parts_matches_as_the_joined_text_would():
    context = "The river floods every spring when the snow melts in the high valleys above town."
    question = "Why does the river flood?"
    index = HeldOutTurns([f"{context}\n\n{question}", "Document 1:\nAlpha beta gamma."], 0.9)
    assert index.match([context, question]) == "exact"
    assert index.match([context, "Why does the river flood so often?"]) == "near"
    assert index.match(["Document 1:", "Alpha beta gamma."]) == "exact"
    assert index.match([question]) is None  # the question alone is far shorter


def test_long_parts_are_read_once_and_still_give_the_same_answers():
    rng = random.Random(5)
    chunk = " ".join(rng.choice(VOCABULARY) for _ in range(80))
    tests = [f"{chunk} {' '.join(rng.choice(VOCABULARY) for _ in range(8))}" for _ in range(20)]
    index = HeldOutTurns(tests, 0.9)
    for test in tests:
        tail = test[len(chunk) + 1 :]
        assert index.match([chunk, tail]) == "exact"
        assert index.match([chunk, tail + " w1"]) == "near"


def test_no_test_turns_match_nothing_and_words_unknown_to_the_test_side_never_match():
    assert HeldOutTurns([], 0.9).match(["anything"]) is None
    index = HeldOutTurns(["alpha beta gamma delta"], 0.9)
    assert index.match(["epsilon zeta eta theta"]) is None
    assert index.match([""]) is None


def test_a_turn_holding_a_test_turn_verbatim_is_found_at_word_boundaries():
    question = "What is the link between droplets and around?"
    index = HeldOutTurns([question, "Why?"], 0.9)
    chunk = "Clouds form when water vapour cools. " * 20
    assert index.match((chunk + "\n\n" + question,)) is None  # the whole turn is no test turn
    assert index.contains(chunk + "\n\n" + question)
    assert index.contains(f"[1] {chunk}\n\nwhat IS the link between droplets and around")
    assert not index.contains(chunk + " the link between droplets and around")  # a part of it
    assert not index.contains(chunk + " What is the link between droplets and aroundabout")
    assert not index.contains(chunk + " Why?")  # too short to be found inside a longer turn

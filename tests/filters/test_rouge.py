"""ROUGE-L tokenisation, exact LCS, the F-measure and the threshold boundary."""

from __future__ import annotations

import random

import pytest

from candidates import candidate as make
from labtax import filters
from labtax.filters import FilterSettings


def dp_lcs(a: list[str], b: list[str]) -> int:
    """Textbook O(n*m) dynamic programme, the reference the fast path must equal."""
    row = [0] * (len(b) + 1)
    for x in a:
        prev_diag = 0
        for j, y in enumerate(b, start=1):
            keep = row[j]
            row[j] = prev_diag + 1 if x == y else max(row[j], row[j - 1])
            prev_diag = keep
    return row[-1]


def test_words_fold_case_drop_punctuation_and_split_cjk() -> None:
    assert filters.words("What's the Capital of FRANCE?") == [
        "what",
        "s",
        "the",
        "capital",
        "of",
        "france",
    ]
    assert filters.words("ﬁle_name v2.0") == ["file", "name", "v2", "0"]
    assert filters.words("東京は日本") == ["東", "京", "は", "日", "本"]
    assert filters.words(" ?! ... ") == []


def test_lcs_hand_computed() -> None:
    s1 = ["police", "killed", "the", "gunman"]
    s2 = ["police", "kill", "the", "gunman"]
    s3 = ["the", "gunman", "kill", "police"]
    assert filters.lcs_length(s1, s2) == 3  # police, the, gunman
    assert filters.lcs_length(s1, s3) == 2  # order matters: only "the gunman" survives
    assert filters.lcs_length(list("ABCBDAB"), list("BDCABA")) == 4
    assert filters.lcs_length([], ["a"]) == 0


def test_lcs_equals_dynamic_programme_on_random_sequences() -> None:
    rng = random.Random(7)
    for _ in range(200):
        vocab = [f"w{i}" for i in range(rng.randint(2, 12))]
        a = [rng.choice(vocab) for _ in range(rng.randint(0, 90))]
        b = [rng.choice(vocab) for _ in range(rng.randint(0, 90))]
        assert filters.lcs_length(a, b) == dp_lcs(a, b)


def test_rouge_l_f_measure_matches_hand_computation() -> None:
    # LCS 3 of lengths 4 and 4: P = R = 3/4, F = 3/4.
    assert filters.rouge_l("police killed the gunman", "police kill the gunman") == pytest.approx(
        0.75
    )
    # LCS 4 ("the cat on mat"), lengths 6 and 7: P = 4/6, R = 4/7, F = 2PR/(P+R) = 8/13.
    p, r = 4 / 6, 4 / 7
    assert filters.rouge_l("the cat sat on the mat", "the cat lay on a red mat") == pytest.approx(
        2 * p * r / (p + r)
    )
    assert filters.rouge_l("Same words, same order!", "same words same order") == 1.0
    assert filters.rouge_l("", "anything") == 0.0


TEN = "alpha bravo charlie delta echo foxtrot golf hotel india juliet"
# One word substituted: LCS 9 of 10 and 10, F = 18/20 = 0.9 exactly.
TEN_SUB = "alpha bravo charlie delta echo foxtrot golf hotel india kilo"


def test_threshold_boundary_is_inclusive_and_exact() -> None:
    assert filters.rouge_l(TEN, TEN_SUB) == pytest.approx(0.9)
    candidate = make(TEN_SUB + "?", "A perfectly ordinary answer.")
    seeds = [(None, TEN + "?", "Something else entirely, unrelated to it.")]

    _, rejected = filters.apply([candidate], seeds=seeds, allowed_text="")
    assert [r.reason for r in rejected] == ["near_duplicate_seed"]
    assert "question ROUGE-L 0.900 with seed 1" in rejected[0].detail

    kept, rejected = filters.apply(
        [candidate], seeds=seeds, allowed_text="", settings=FilterSettings(rouge_threshold=0.91)
    )
    assert kept == [candidate]
    assert rejected == []


def test_threshold_just_below_boundary_keeps() -> None:
    # Two substitutions: LCS 8 of 10 and 10, F = 0.8 < 0.9.
    two_subs = "alpha bravo charlie delta echo foxtrot golf hotel lima kilo"
    kept, _ = filters.apply(
        [make(two_subs + "?", "An answer.")],
        seeds=[(None, TEN + "?", "Unrelated seed answer text.")],
        allowed_text="",
    )
    assert len(kept) == 1

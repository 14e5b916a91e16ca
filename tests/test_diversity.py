"""Diversity figures: distinct bigrams, mean pairwise ROUGE-L, near-duplicate rate, sampling."""

from __future__ import annotations

import pytest

from labtax import diversity as diversity_module
from labtax import filters
from labtax.diversity import NEAR_DUPLICATE, diversity, sample_pairs
from mapdata import SAME, VARIED


def test_varied_questions_score_as_varied_and_repeats_as_repeats():
    varied, same = diversity(VARIED), diversity(SAME)
    assert varied.distinct_bigrams > 0.8 > same.distinct_bigrams
    assert varied.mean_rouge_l < 0.3 < same.mean_rouge_l
    assert varied.near_duplicates == 0.0
    assert same.near_duplicates == 1.0
    assert same.pairs == len(SAME) * (len(SAME) - 1) // 2


def test_exact_figures_on_a_small_case():
    found = diversity(["a b c", "a b d"])
    # bigrams: (a b) (b c) (a b) (b d): 3 distinct of 4; LCS 2 of 3 + 3 words -> 2*2/6.
    assert found.distinct_bigrams == 0.75
    assert found.mean_rouge_l == pytest.approx(0.6667, abs=1e-4)
    assert found.mean_rouge_l < NEAR_DUPLICATE
    assert found.near_duplicates == 0.0


def test_order_does_not_matter_and_too_few_give_none():
    assert diversity(VARIED) == diversity(tuple(reversed(VARIED)))
    single = diversity(["Only one question here?"])
    assert single.mean_rouge_l is None
    assert single.pairs == 0
    assert diversity([]).distinct_bigrams is None


def test_many_questions_compare_a_fixed_sample_of_pairs():
    pairs = sample_pairs(1000, 500)
    assert len(pairs) == len(set(pairs)) == 500
    assert all(i < j for i, j in pairs)
    assert pairs == sample_pairs(1000, 500)
    assert len(sample_pairs(10, 500)) == 45
    many = [f"question {n} about topic {n % 7}" for n in range(300)]
    assert diversity(many, max_pairs=200).pairs == 200


def test_sampled_pairs_are_drawn_by_their_number_and_cover_huge_counts():
    # Every pair number maps to its pair in order: (0, 1), (0, 2), ..., (1, 2), ...
    count = 23
    every = [(i, j) for i in range(count) for j in range(i + 1, count)]
    assert [diversity_module._pair(n, count) for n in range(len(every))] == every
    # A branch of 100,000 questions samples without listing its ~5 billion pairs.
    huge = sample_pairs(100_000, 2000)
    assert len(set(huge)) == 2000
    assert all(0 <= i < j < 100_000 for i, j in huge)


def test_figures_match_a_plain_computation_of_rouge_l():
    many = [f"how does {w} relate to {v} in a {w} test" for w in "abcdefgh" for v in "xyz"]
    found = diversity(many)
    ordered = sorted(many)
    tokens = [filters.words(q) for q in ordered]
    scores = []
    for i, j in sample_pairs(len(ordered), 2000):
        lcs = filters.lcs_length(tokens[i], tokens[j])
        scores.append(2 * lcs / (len(tokens[i]) + len(tokens[j])))
    assert found.mean_rouge_l == round(sum(scores) / len(scores), 4)
    bigrams = [(t[k], t[k + 1]) for t in tokens for k in range(len(t) - 1)]
    assert found.distinct_bigrams == round(len(set(bigrams)) / len(bigrams), 4)


def test_bigrams_merge_into_those_of_all_the_questions():
    left, right = VARIED[: len(VARIED) // 2], VARIED[len(VARIED) // 2 :]
    parts = [diversity_module.bigrams_of(left), diversity_module.bigrams_of(right)]
    whole = diversity_module.merged(parts)
    assert whole == diversity_module.bigrams_of(VARIED)
    assert diversity(VARIED, bigrams=whole) == diversity(VARIED)
    assert diversity_module.merged(parts[:1]) is parts[0]

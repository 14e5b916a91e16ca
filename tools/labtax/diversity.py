"""How varied a set of questions is: distinct bigrams, mean pairwise ROUGE-L, near-duplicate rate.

Synthetic data that asks the same thing over and over teaches little, whatever its size. Three
figures say how varied a leaf's (or a branch's) kept questions are:
- `distinct_bigrams`: distinct word bigrams over all word bigrams (distinct-2; 1.0 = no repeats);
- `mean_rouge_l`: the mean ROUGE-L F-measure of question pairs (0 = nothing shared, 1 = identical);
- `near_duplicates`: the share of those pairs at ROUGE-L >= `NEAR_DUPLICATE`.
Pairs grow with the square of the questions, so above `MAX_PAIRS` a fixed, seeded sample of pairs
is compared: the same questions always give the same figures. The tokens and ROUGE-L are the
quality filters' own (`labtax.filters`, which needs rapidfuzz from the `teacher` extra); without
it the pairwise figures are None.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

MAX_PAIRS = 2000
# Lower than the filters' rejection threshold (0.9): kept questions are never that close, but a
# leaf whose questions mostly share two thirds of their words still lacks variety.
NEAR_DUPLICATE = 0.7


@dataclass(frozen=True)
class Diversity:
    """The diversity figures of `questions` questions; None where they cannot be computed."""

    questions: int
    distinct_bigrams: float | None
    mean_rouge_l: float | None
    near_duplicates: float | None
    pairs: int

    def as_dict(self) -> dict[str, object]:
        return {
            "distinct_bigrams": self.distinct_bigrams,
            "mean_rouge_l": self.mean_rouge_l,
            "near_duplicates": self.near_duplicates,
            "pairs_compared": self.pairs,
            "questions": self.questions,
        }


def diversity(questions: Sequence[str], *, max_pairs: int = MAX_PAIRS) -> Diversity:
    """The figures of `questions` (in any order: they are sorted first)."""
    try:
        from labtax.filters import lcs_length, words
    except ImportError:  # rapidfuzz (the `teacher` extra) is not installed
        return Diversity(len(questions), None, None, None, 0)
    ordered = sorted(questions)
    tokens = [words(q) for q in ordered]
    bigrams = [tuple(t[i : i + 2]) for t in tokens for i in range(len(t) - 1)]
    distinct = round(len(set(bigrams)) / len(bigrams), 4) if bigrams else None
    pairs = sample_pairs(len(ordered), max_pairs)
    if not pairs:
        return Diversity(len(ordered), distinct, None, None, 0)
    scores = []
    for i, j in pairs:
        a, b = tokens[i], tokens[j]
        lcs = lcs_length(a, b)
        scores.append(2 * lcs / (len(a) + len(b)) if lcs else 0.0)
    near = sum(1 for s in scores if s >= NEAR_DUPLICATE)
    return Diversity(
        len(ordered),
        distinct,
        round(math.fsum(scores) / len(scores), 4),
        round(near / len(scores), 4),
        len(pairs),
    )


def sample_pairs(count: int, limit: int) -> list[tuple[int, int]]:
    """Every pair (i < j) of `count` items, or `limit` distinct ones drawn with a fixed seed."""
    total = count * (count - 1) // 2
    if total <= limit:
        return [(i, j) for i in range(count) for j in range(i + 1, count)]
    rng = random.Random(count)  # noqa: S311 - a reproducible sample, not a secret
    chosen: set[tuple[int, int]] = set()
    while len(chosen) < limit:
        i, j = rng.sample(range(count), 2)
        chosen.add((min(i, j), max(i, j)))
    return sorted(chosen)

"""How varied a set of questions is: distinct bigrams, mean pairwise ROUGE-L, near-duplicate rate.

Synthetic data that asks the same thing over and over teaches little, whatever its size. Three
figures say how varied a leaf's (or a branch's) kept questions are:
- `distinct_bigrams`: distinct word bigrams over all word bigrams (distinct-2; 1.0 = no repeats);
- `mean_rouge_l`: the mean ROUGE-L F-measure of question pairs (0 = nothing shared, 1 = identical);
- `near_duplicates`: the share of those pairs at ROUGE-L >= `NEAR_DUPLICATE`.
Pairs grow with the square of the questions, so above `MAX_PAIRS` a fixed, seeded sample of pairs
is compared: the same questions always give the same figures. The tokens are the quality filters'
own (`labtax.filters`) and ROUGE-L is theirs, computed by rapidfuzz (the `teacher` extra); without
it the figures are None. A tree asks for a question's figures at its leaf and at every branch
above, so tokens, bigrams and pair samples are kept per process (bounded caches).
"""

from __future__ import annotations

import functools
import itertools
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
        from rapidfuzz.distance import LCSseq
    except ImportError:  # rapidfuzz (the `teacher` extra) is not installed
        return Diversity(len(questions), None, None, None, 0)
    ordered = sorted(questions)
    count = sum(len(_bigrams(q)) for q in ordered)
    distinct = round(len(set().union(*map(_bigrams, ordered))) / count, 4) if count else None
    pairs = sample_pairs(len(ordered), max_pairs)
    if not pairs:
        return Diversity(len(ordered), distinct, None, None, 0)
    # Each question's words as one string, a character per distinct word: the longest common
    # subsequence of two such strings is that of their words, computed by rapidfuzz in C.
    used = _used(len(ordered), max_pairs)
    spelled = dict(zip(used, _spell([_tokens(ordered[i]) for i in used]), strict=True))
    firsts = [spelled[i] for i, _ in pairs]
    seconds = [spelled[j] for _, j in pairs]
    scores = [
        2 * lcs / (len(a) + len(b)) if lcs else 0.0
        for a, b, lcs in zip(firsts, seconds, map(LCSseq.similarity, firsts, seconds), strict=True)
    ]
    near = sum(1 for s in scores if s >= NEAR_DUPLICATE)
    return Diversity(
        len(ordered),
        distinct,
        round(math.fsum(scores) / len(scores), 4),
        round(near / len(scores), 4),
        len(pairs),
    )


@functools.lru_cache(maxsize=256)
def _used(count: int, limit: int) -> tuple[int, ...]:
    """The items the sampled pairs of `count` items compare."""
    return tuple(sorted({i for pair in sample_pairs(count, limit) for i in pair}))


@functools.lru_cache(maxsize=1 << 18)
def _tokens(question: str) -> tuple[str, ...]:
    """The quality filters' ROUGE-L tokens of a question; kept, since a tree asks for a
    question's figures at its leaf and again at every branch above it."""
    from labtax.filters import words

    return tuple(words(question))


@functools.lru_cache(maxsize=1 << 18)
def _bigrams(question: str) -> tuple[tuple[str, str], ...]:
    tokens = _tokens(question)
    return tuple(itertools.pairwise(tokens))


def _spell(sentences: Sequence[tuple[str, ...]]) -> list[str]:
    """Each token sequence as a string with one character per distinct token (never a
    surrogate), so that equal tokens are equal characters and nothing else is."""
    code: dict[str, str] = {}
    for sentence in sentences:
        for token in sentence:
            if token not in code:
                n = len(code)
                code[token] = chr(n if n < 0xD800 else n + 0x800)
    return ["".join(code[t] for t in sentence) for sentence in sentences]


@functools.lru_cache(maxsize=256)
def sample_pairs(count: int, limit: int) -> tuple[tuple[int, int], ...]:
    """Every pair (i < j) of `count` items, or `limit` distinct ones drawn with a fixed seed.

    Pairs are numbered in order, (0, 1), (0, 2), ..., (1, 2), ...; the sample is `limit` of those
    numbers, drawn at once. Kept per (count, limit): a tree's leaves mostly hold about as many
    questions as each other."""
    total = count * (count - 1) // 2
    if total <= limit:
        return tuple((i, j) for i in range(count) for j in range(i + 1, count))
    rng = random.Random(count)  # noqa: S311 - a reproducible sample, not a secret
    return tuple(_pair(number, count) for number in sorted(rng.sample(range(total), limit)))


def _pair(number: int, count: int) -> tuple[int, int]:
    """The pair with this number in the order of `sample_pairs`."""
    low, high = 0, count - 2
    while low < high:  # the last row i whose first pair's number is <= number
        middle = (low + high + 1) // 2
        if _before_row(middle, count) <= number:
            low = middle
        else:
            high = middle - 1
    return low, number - _before_row(low, count) + low + 1


def _before_row(row: int, count: int) -> int:
    """How many pairs come before (row, row + 1)."""
    return row * (2 * count - row - 1) // 2

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
import operator
import random
from collections.abc import Callable, Iterable, Sequence
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


@dataclass(frozen=True)
class Bigrams:
    """The word bigrams of some questions: the distinct ones, and how many there are in all.

    A branch's are its leaves' merged (`merged`), so a tree counts each question's once."""

    distinct: frozenset[tuple[str, str]]
    total: int


def sampled_distinct_bigrams(questions: Sequence[str], size: int) -> float | None:
    """Distinct-2 over a fixed-size sample of `questions` (all of them when there are at most
    `size`), drawn with a seed from their count: distinct-2 falls as questions are added, so
    leaves of different sizes are compared on equal terms. The same questions always give the
    same figure; None when there are no bigrams."""
    ordered = sorted(questions)
    if len(ordered) > size:
        rng = random.Random(len(ordered))  # noqa: S311 - a reproducible sample, not a secret
        ordered = [ordered[i] for i in sorted(rng.sample(range(len(ordered)), size))]
    counted = bigrams_of(ordered)
    return round(len(counted.distinct) / counted.total, 4) if counted.total else None


def bigrams_of(questions: Iterable[str]) -> Bigrams:
    found = list(map(_bigrams, questions))
    return Bigrams(frozenset().union(*found), sum(map(len, found)))


def merged(parts: Sequence[Bigrams]) -> Bigrams:
    if len(parts) == 1:
        return parts[0]
    return Bigrams(frozenset().union(*(p.distinct for p in parts)), sum(p.total for p in parts))


def diversity(
    questions: Sequence[str], *, max_pairs: int = MAX_PAIRS, bigrams: Bigrams | None = None
) -> Diversity:
    """The figures of `questions` (in any order: they are sorted first); `bigrams`, when given,
    are theirs, already counted."""
    try:
        from rapidfuzz.distance import LCSseq
    except ImportError:  # rapidfuzz (the `teacher` extra) is not installed
        return Diversity(len(questions), None, None, None, 0)
    ordered = sorted(questions)
    counted = bigrams or bigrams_of(ordered)
    distinct = round(len(counted.distinct) / counted.total, 4) if counted.total else None
    pairs = sample_pairs(len(ordered), max_pairs)
    if not pairs:
        return Diversity(len(ordered), distinct, None, None, 0)
    # Each question's words as one string, a character per distinct word: the longest common
    # subsequence of two such strings is that of their words, computed by rapidfuzz in C.
    used, first, second = _layout(len(ordered), max_pairs)
    spelled = _spell([_tokens(ordered[i]) for i in used])
    firsts, seconds = first(spelled), second(spelled)
    scores = [
        2 * lcs / (a + b) if lcs else 0.0
        for lcs, a, b in zip(
            map(LCSseq.similarity, firsts, seconds),
            map(len, firsts),
            map(len, seconds),
            strict=True,
        )
    ]
    near = len([s for s in scores if s >= NEAR_DUPLICATE])
    return Diversity(
        len(ordered),
        distinct,
        round(math.fsum(scores) / len(scores), 4),
        round(near / len(scores), 4),
        len(pairs),
    )


Getter = Callable[[Sequence[str]], tuple[str, ...]]


@functools.lru_cache(maxsize=256)
def _layout(count: int, limit: int) -> tuple[tuple[int, ...], Getter, Getter]:
    """For the sampled pairs of `count` items: the items they compare, and getters of the first
    and of the second item of every pair from the list of those items' values (in C)."""
    pairs = sample_pairs(count, limit)
    used = tuple(sorted({i for pair in pairs for i in pair}))
    place = {item: n for n, item in enumerate(used)}
    return used, _getter([place[i] for i, _ in pairs]), _getter([place[j] for _, j in pairs])


def _getter(positions: Sequence[int]) -> Getter:
    if len(positions) == 1:
        only = positions[0]
        return lambda values: (values[only],)
    getter: Getter = operator.itemgetter(*positions)
    return getter


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

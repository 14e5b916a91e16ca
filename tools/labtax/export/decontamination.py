"""Decontamination: no test conversation's user turn may appear in `train`, exactly or nearly.

`HeldOutTurns(test_turns, threshold)` indexes the (small) test side once; `match(parts)` says
whether a train user turn, given as the parts it is made of (a context, a question, RAFT
documents), is `exact` (the same text once normalised: NFKC, case-folded, whitespace
collapsed: `filters.normalized`), `near` (ROUGE-L F at least the threshold over
`filters.words`, decided exactly by `filters.Similarity`), or neither (None). It scales to
millions of train turns against thousands of test turns without comparing every pair:

- exact: a set of digests of the normalised test turns;
- length: ROUGE-L F >= t needs the shorter of two token sequences to be at least t / (2 - t) of
  the longer, so a train turn whose length no test turn is near is done at once;
- n-grams: every test turn's word n-grams are in a sorted array (`n` is chosen for `t` below).
  If F(a, b) >= t with LCS length L, then L >= t(|a|+|b|)/2 and the common subsequence falls in
  at most |a|+|b|-2L+1 runs that are contiguous in both turns, so at least
  `m = L(2n-1) - (|a|+|b|+1)(n-1)` positions of `a` start an n-gram that `b` also has. Probing
  all of `a`'s n-grams but its `m - 1` most frequent ones (on the test side) therefore still
  finds every such `b`, and only the candidates found are compared;
- short pairs, for which that bound guarantees nothing (`m <= 0`: a few words each), are
  compared directly.

`contains(turn)` says whether a turn holds a test turn of at least `CONTAINED_WORDS` words
verbatim (its words, contiguous, at word boundaries): an outside row whose user turn is a chunk
followed by a held-out question is a test question in `train`, though the whole turn is neither
the test turn nor near it. Candidates come from a map of each such test turn's first n-gram.

A train turn's parts are tokenised once per distinct long part (a chunk repeated across many
rows) through a bounded memo. Words the test side never uses get the id -1, which matches
nothing, so the vocabulary stays the test side's.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import repeat
from typing import Literal

from labtax.filters import Similarity, normalized, words

Verdict = Literal["exact", "near"]

_ABSENT = -1  # the id of a word the test side does not use
_HASH_BITS = 40  # n-gram hashes are cut to 40 bits: a collision only adds a candidate
_INDEX_BITS = 24  # ... so a packed posting (hash, test) fits in 64 bits
_MAX_TESTS = 1 << _INDEX_BITS
_MASK = _MAX_TESTS - 1
_SHORT_ENOUGH = 12  # the largest "short pair" size accepted when choosing n
_MEMO_PARTS = 4096  # distinct long parts remembered (chunks, contexts)
_MEMO_CHARS = 200  # parts from this long are remembered (chunks and contexts repeat) ...
_TINY_CHARS = 24  # ... and up to this long (RAFT headers); questions rarely repeat
CONTAINED_WORDS = 4  # test turns this long or longer are found inside longer turns


class HeldOutTurns:
    """The test side's user turns, indexed for exact and near-duplicate lookups."""

    def __init__(self, turns: Iterable[str], threshold: float) -> None:
        self.similarity = Similarity(threshold)
        self._t = self.similarity.threshold
        self._n, self._short_sum = _gram_size(self._t)
        self._exact: set[bytes] = set()
        self._vocabulary: dict[str, int] = {}
        self._tokens: list[tuple[int, ...]] = []
        for turn in dict.fromkeys(turns):
            self._exact.add(_digest(normalized(turn)))
            found = words(turn)
            if found:
                self._tokens.append(
                    tuple(self._vocabulary.setdefault(w, len(self._vocabulary)) for w in found)
                )
        if len(self._tokens) > _MAX_TESTS:
            raise ValueError(f"more than {_MAX_TESTS} test turns")
        self._lengths = sorted(len(t) for t in self._tokens)
        self._short = sorted(
            (len(t), i) for i, t in enumerate(self._tokens) if len(t) <= self._short_sum
        )
        self._postings = self._index()
        self._bloom, self._bloom_mask = self._filter()
        self._by_length: dict[int, tuple[int, int, int]] = {}
        self._memo: dict[str, _Part] = {}
        self._starts = self._first_grams()

    def __len__(self) -> int:
        return len(self._exact)

    # -----------------------------------------------------------------------------------------
    # Building

    def _index(self) -> array[int]:
        """Every (n-gram hash, test) pair packed in 64 bits, sorted. The pairs are sorted in 256
        groups by their top bits, so the list that sorting makes is never the whole index."""
        groups = [array("Q") for _ in range(256)]
        shift = _HASH_BITS - 8
        for test, tokens in enumerate(self._tokens):
            for gram in set(_gram_hashes(tokens, self._n)):
                groups[gram >> shift].append(gram << _INDEX_BITS | test)
        packed = array("Q")
        for number, group in enumerate(groups):
            packed.extend(sorted(group))
            groups[number] = array("Q")
        return packed

    def _filter(self) -> tuple[bytearray, int]:
        """A one-probe Bloom filter of the test side's n-grams (32 bits per n-gram: about 3%
        false positives), so that most n-grams of a train turn are dismissed without a search of
        the postings."""
        size = 1 << max(6, (32 * len(self._postings)).bit_length())
        bits = bytearray(size >> 3)
        for posting in self._postings:
            probe = (posting >> _INDEX_BITS) & (size - 1)
            bits[probe >> 3] |= 1 << (probe & 7)
        return bits, size - 1

    def _first_grams(self) -> dict[int, list[int]]:
        """The test turns `contains` looks for, by the hash of their first n-gram."""
        starts: dict[int, list[int]] = {}
        for test, tokens in enumerate(self._tokens):
            if len(tokens) >= max(CONTAINED_WORDS, self._n):
                first = next(_gram_hashes(tokens, self._n))
                starts.setdefault(first, []).append(test)
        return starts

    # -----------------------------------------------------------------------------------------
    # Matching

    def match(self, parts: Sequence[str]) -> Verdict | None:
        """Whether the user turn made of `parts` (joined by whitespace) is a test turn."""
        if not self._exact:
            return None
        read = [self._part(part) for part in parts]
        if _digest(" ".join(p.text for p in read if p.text)) in self._exact:
            return "exact"
        length = sum(len(p.tokens) for p in read)
        low, high, least = self._bounds(length)
        if not length or not self._any_length(low, high):
            return None
        tokens: list[int] = []
        for p in read:
            tokens += p.tokens
        reaches = self.similarity.reaches
        for test in self._short_candidates(length, low):
            if reaches(tokens, self._tokens[test])[0]:
                return "near"
        for test in self._candidates(read, least):
            other = self._tokens[test]
            if low <= len(other) <= high and reaches(tokens, other)[0]:
                return "near"
        return None

    def contains(self, turn: str) -> bool:
        """Whether `turn` holds a test turn of at least `CONTAINED_WORDS` words verbatim."""
        tokens = self._part(turn).tokens
        found = {t for g in set(_gram_hashes(tokens, self._n)) for t in self._starts.get(g, ())}
        if not found:
            return False
        text = _spelled(tokens)
        return any(_spelled(self._tokens[test]) in text for test in found)

    def _part(self, text: str) -> _Part:
        """A part of a turn read once: long parts (chunks, contexts) and tiny ones (headers)
        are remembered, the ones between (questions) rarely repeat."""
        kept = len(text) >= _MEMO_CHARS or len(text) <= _TINY_CHARS
        found = self._memo.get(text) if kept else None
        if found is None:
            tokens = tuple(map(self._vocabulary.get, words(text), repeat(_ABSENT)))
            found = _Part(normalized(text), tokens)
            if kept:
                if len(self._memo) >= _MEMO_PARTS:
                    self._memo.clear()
                self._memo[text] = found
        return found

    def _grams_of(self, part: _Part) -> dict[int, tuple[int, int, int]]:
        if part.grams is None:
            part.grams = self._grams(part.tokens)
        return part.grams

    def _grams(self, tokens: Sequence[int]) -> dict[int, tuple[int, int, int]]:
        """The n-grams of `tokens` that test turns have: hash -> (positions, postings span)."""
        bits, mask = self._bloom, self._bloom_mask
        found: dict[int, tuple[int, int, int]] = {}
        missing: set[int] = set()
        for gram in _gram_hashes(tokens, self._n):
            if not bits[(gram & mask) >> 3] >> (gram & 7) & 1 or gram in missing:
                continue
            known = found.get(gram)
            if known is not None:
                found[gram] = (known[0] + 1, known[1], known[2])
                continue
            base = gram << _INDEX_BITS
            lo = bisect.bisect_left(self._postings, base)
            hi = bisect.bisect_left(self._postings, base + _MAX_TESTS, lo)
            if hi > lo:
                found[gram] = (1, lo, hi)
            else:
                missing.add(gram)
        return found

    def _candidates(self, parts: Sequence[_Part], least: int) -> set[int]:
        """The tests sharing an n-gram with the turn made of `parts`, found through all its
        n-grams but the most frequent ones, as long as those cover fewer than `least` of its
        positions (a near-duplicate shares at least `least`)."""
        merged = dict(self._grams_of(parts[0]))
        extra = [self._grams_of(p) for p in parts[1:]]
        # The n-grams across the junction of two parts.
        for before, after in itertools.pairwise(parts):
            edge = (*before.tokens[-(self._n - 1) :], *after.tokens[: self._n - 1])
            extra.append(self._grams(edge) if self._n > 1 else {})
        for grams in extra:
            for gram, (count, lo, hi) in grams.items():
                known = merged.get(gram)
                merged[gram] = (count + (known[0] if known else 0), lo, hi)
        spans = sorted(
            ((hi - lo, count, lo, hi) for count, lo, hi in merged.values()), reverse=True
        )
        skipped = 0
        found: set[int] = set()
        postings = self._postings
        for _, count, lo, hi in spans:
            if skipped + count < least:
                skipped += count
                continue
            found.update(p & _MASK for p in postings[lo:hi])
        return found

    def _bounds(self, length: int) -> tuple[int, int, int]:
        """For a train turn of `length` tokens: the test lengths that can reach the threshold
        with it (ROUGE-L F >= t needs the shorter at least t / (2 - t) of the longer), and the
        fewest of its positions that share an n-gram with such a test (pairs too short for that
        bound are compared directly)."""
        found = self._by_length.get(length)
        if found is None:
            t = self._t
            low, high = math.ceil(length * t / (2 - t)), math.floor(length * (2 - t) / t)
            sizes = range(max(length + low, self._short_sum + 1), length + high + 1)
            least = min((_shared(t, self._n, s) for s in sizes), default=1)
            found = self._by_length[length] = (low, high, least)
        return found

    def _any_length(self, low: int, high: int) -> bool:
        at = bisect.bisect_left(self._lengths, low)
        return at < len(self._lengths) and self._lengths[at] <= high

    def _short_candidates(self, length: int, low: int) -> Iterable[int]:
        """Tests short enough, with this train turn, for the n-gram bound to guarantee nothing."""
        most = self._short_sum - length
        if most < low:
            return ()
        start = bisect.bisect_left(self._short, (low, -1))
        stop = bisect.bisect_right(self._short, (most, _MAX_TESTS))
        return [test for _, test in self._short[start:stop]]


@dataclass(slots=True)
class _Part:
    """One part of a turn: its normalised text, token ids, and (once asked for) the n-grams of
    it that test turns have, with their positions and postings."""

    text: str
    tokens: tuple[int, ...]
    grams: dict[int, tuple[int, int, int]] | None = None


def _spelled(tokens: Sequence[int]) -> str:
    """Token ids as text in which a contiguous run of ids is a substring (word boundaries kept)."""
    return "," + ",".join(map(str, tokens)) + ","


def _digest(text: str) -> bytes:
    """What the exact set holds of a normalised turn: 128 bits of it, not the text."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _gram_hashes(tokens: Sequence[int], n: int) -> Iterator[int]:
    """The hash of each n-gram of `tokens`, in order (a test side word never has id -1, so an
    n-gram holding one is in no index)."""
    cut = (1 << _HASH_BITS) - 1
    return (hash(gram) & cut for gram in zip(*(tokens[k:] for k in range(n)), strict=False))


def _shared(t: Fraction, n: int, size: int) -> int:
    """The fewest positions of one turn that start an n-gram of the other, for two turns of
    `size` tokens in all whose ROUGE-L F reaches `t` (0 or less: no guarantee)."""
    lcs = math.ceil(t * size / 2)
    return lcs * (2 * n - 1) - (size + 1) * (n - 1)


def _gram_size(t: Fraction) -> tuple[int, int]:
    """The n-gram size for threshold `t`, and the largest pair size it guarantees nothing for.

    Larger n-grams make fewer candidates, but guarantee nothing when `t` is low: take the
    largest n whose short pairs stay short; n = 1 always works (unigrams).
    """
    for n in (3, 2):
        slope = t * (2 * n - 1) / 2 - (n - 1)
        if slope <= 0:
            continue
        # Past this size the bound grows by more than rounding can take back.
        limit = math.ceil((3 * n) / slope) + 1
        short = max((s for s in range(limit + 1) if _shared(t, n, s) <= 0), default=0)
        if short <= _SHORT_ENOUGH:
            return n, short
    return 1, max((s for s in range(4) if _shared(t, 1, s) <= 0), default=0)

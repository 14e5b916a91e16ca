"""RAFT-style knowledge rows: the question after a few document chunks, the right one among
them only sometimes, so the student learns to use a chunk that answers and to ignore the rest.

For a `knowledge_qa` sample grounded in chunk C, a RAFT row's user turn is `distractors` other
chunks — of the same leaf first, then of other knowledge leaves (`ChunkPool`) — with C among them
with probability `p`, in a seeded order, each headed `Document <i>:`, then a blank line and the
question. Without any other chunk to offer (a one-chunk leaf and no other knowledge) a sample
gets no RAFT row. Every choice is `seeded` by the sample id and its copy, so copies of one
sample see different distractors.

`ChunkPool` holds a bounded, seeded selection of chunks across all knowledge leaves (chosen
while the leaves stream by), so the memory it takes does not grow with the data.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from labtax.dataset.records import Sample
from labtax.export import seeded

POOL_SIZE = 512
HEADER = "Document {number}:"


@dataclass(frozen=True)
class RaftTurn:
    """A RAFT user turn as the parts it is made of (for decontamination) and its text."""

    parts: tuple[str, ...]
    text: str
    with_answer: bool


class ChunkPool:
    """Chunks of every knowledge leaf, at most `size`: those with the lowest seeded keys."""

    def __init__(self, seed: int, size: int = POOL_SIZE) -> None:
        self._seed = seed
        self._size = size
        self._heap: list[tuple[int, str, str]] = []  # (-key, leaf, chunk): a max-heap on key
        self._seen: set[int] = set()
        self._chunks: tuple[tuple[str, str], ...] | None = None

    def offer(self, leaf: str, chunks: Iterable[str]) -> None:
        """Consider a leaf's distinct chunks for the pool."""
        for chunk in chunks:
            key = seeded.key(self._seed, "pool", chunk)
            if key in self._seen:
                continue
            entry = (-key, leaf, chunk)
            if len(self._heap) < self._size:
                heapq.heappush(self._heap, entry)
                self._seen.add(key)
            elif entry > self._heap[0]:
                dropped = heapq.heappushpop(self._heap, entry)
                self._seen.discard(-dropped[0])
                self._seen.add(key)

    @property
    def chunks(self) -> tuple[tuple[str, str], ...]:
        """(leaf, chunk) in key order, fixed once first asked for."""
        if self._chunks is None:
            self._chunks = tuple(
                (leaf, chunk) for _, leaf, chunk in sorted(self._heap, reverse=True)
            )
        return self._chunks


def leaf_chunks(samples: Iterable[Sample], seed: int) -> tuple[str, ...]:
    """A knowledge leaf's distinct chunks (every context of its samples), in a seeded order."""
    distinct = {s.context for s in samples if s.context}
    return tuple(sorted(distinct, key=lambda c: (seeded.key(seed, "chunk", c), c)))


def raft_turn(
    sample: Sample,
    copy: int,
    *,
    own: Sequence[str],
    pool: ChunkPool,
    seed: int,
    p: float,
    distractors: int,
) -> RaftTurn | None:
    """The RAFT user turn of a copy of `sample`, or None when there is no other chunk."""
    chosen = _distractors(sample, copy, own=own, pool=pool, seed=seed, wanted=distractors)
    if not chosen:
        return None
    draw = seeded.key(seed, "raft", sample.id, copy)
    # The high 32 bits decide whether the right chunk is there, the rest orders the documents.
    with_answer = (draw >> 32) / (1 << 32) < p
    documents = [*chosen, sample.context] if with_answer else chosen
    documents = [documents[i] for i in seeded.permutation(draw & 0xFFFFFFFF, len(documents))]
    parts: list[str] = []
    for number, document in enumerate(documents, 1):
        parts.extend((HEADER.format(number=number), document))
    text = "\n\n".join(
        f"{HEADER.format(number=number)}\n{document}"
        for number, document in enumerate(documents, 1)
    )
    return RaftTurn((*parts, sample.question), f"{text}\n\n{sample.question}", with_answer)


def _distractors(
    sample: Sample, copy: int, *, own: Sequence[str], pool: ChunkPool, seed: int, wanted: int
) -> list[str]:
    """`wanted` chunks other than the sample's: its leaf's first, from a seeded starting point,
    then the pool's (skipping chunks of the same leaf)."""
    chosen: list[str] = []
    if wanted <= 0:
        return chosen
    start = seeded.key(seed, "raft-start", sample.id, copy)
    for i in range(len(own)):
        chunk = own[(start + i) % len(own)]
        if chunk != sample.context:
            chosen.append(chunk)
            if len(chosen) == wanted:
                return chosen
    others = pool.chunks
    start >>= 32  # the pool's starting point: other bits than the leaf's
    for i in range(len(others)):
        leaf, chunk = others[(start + i) % len(others)]
        if leaf != sample.leaf and chunk != sample.context and chunk not in chosen:
            chosen.append(chunk)
            if len(chosen) == wanted:
                break
    return chosen

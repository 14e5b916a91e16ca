"""RAFT user turns: distractor chunks of the leaf first, then of other leaves, the right chunk
among them with probability p; the pool of other leaves' chunks stays bounded."""

from __future__ import annotations

from candidates import candidate
from labtax.export.raft import ChunkPool, leaf_chunks, raft_turn


def qa(question: str, chunk: str, leaf: str = "knowledge/a"):
    return candidate(question, "An answer.", chunk, form="knowledge_qa", leaf=leaf)


def documents(text: str) -> list[str]:
    return [part.split("\n", 1)[1] for part in text.split("\n\n")[:-1]]


def test_the_pool_keeps_a_bounded_seeded_selection_whatever_the_order():
    chunks = [f"chunk {i}" for i in range(50)]
    pool = ChunkPool(seed=1, size=10)
    pool.offer("knowledge/a", chunks[:25])
    pool.offer("knowledge/b", chunks[25:] + chunks[:5])  # repeats are kept once
    other = ChunkPool(seed=1, size=10)
    other.offer("knowledge/b", chunks[25:])
    other.offer("knowledge/a", reversed(chunks[:25]))
    assert len(pool.chunks) == 10
    assert pool.chunks == other.chunks
    assert len({chunk for _, chunk in pool.chunks}) == 10


def test_distractors_come_from_the_leaf_first_then_from_other_leaves():
    own = leaf_chunks([qa("q1?", "A"), qa("q2?", "B"), qa("q3?", "A")], seed=1)
    assert sorted(own) == ["A", "B"]
    pool = ChunkPool(seed=1)
    pool.offer("knowledge/a", ["A", "B"])
    pool.offer("knowledge/b", ["C", "D", "E"])
    sample = qa("Where?", "A")
    turn = raft_turn(sample, 0, own=own, pool=pool, seed=1, p=0.0, distractors=3)
    assert turn is not None
    found = documents(turn.text)
    assert len(found) == 3
    assert "A" not in found
    assert "B" in found
    assert set(found) - {"B"} <= {"C", "D", "E"}
    assert turn.text.endswith("\n\nWhere?")
    assert not turn.with_answer
    assert " ".join(turn.parts).split() == turn.text.split()  # the parts make the turn


def test_the_right_chunk_is_there_with_probability_p():
    pool = ChunkPool(seed=1)
    pool.offer("knowledge/b", ["C", "D", "E", "F"])
    found = []
    for i in range(400):
        sample = qa(f"Question {i}?", "A")
        turn = raft_turn(sample, 0, own=("A",), pool=pool, seed=1, p=0.25, distractors=2)
        assert turn is not None
        assert ("A" in documents(turn.text)) == turn.with_answer
        found.append(turn.with_answer)
    assert 0.2 < sum(found) / len(found) < 0.3
    always = raft_turn(qa("Q?", "A"), 0, own=("A",), pool=pool, seed=1, p=1.0, distractors=2)
    assert always is not None
    assert always.with_answer


def test_copies_of_a_sample_see_other_distractors_and_no_other_chunk_means_no_row():
    pool = ChunkPool(seed=1)
    pool.offer("knowledge/b", [f"chunk {i}" for i in range(30)])
    sample = qa("Why?", "A")
    turns = {
        raft_turn(sample, copy, own=("A",), pool=pool, seed=1, p=0.0, distractors=2).text  # type: ignore[union-attr]
        for copy in range(5)
    }
    assert len(turns) > 1
    alone = ChunkPool(seed=1)
    alone.offer("knowledge/a", ["A"])
    assert raft_turn(sample, 0, own=("A",), pool=alone, seed=1, p=0.5, distractors=3) is None
    assert raft_turn(sample, 0, own=("A", "B"), pool=alone, seed=1, p=0.5, distractors=0) is None

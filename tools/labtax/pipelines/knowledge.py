"""Knowledge: question/answer pairs grounded in each document chunk -> faithfulness judge.

A knowledge leaf works from its documents: `material` reads them (through the run's store, which
fetches a remote repository once) and cuts them into chunks that fit the teacher's context next to
the prompt; its samples may quote the documents as well as the leaf. A knowledge sample is a
closed-book `knowledge_qa` example: its user turn is the question alone, and its context and
provenance name the chunk (document file and index) its answer is grounded in.
"""

from __future__ import annotations

from collections.abc import Sequence

from labtax import documents
from labtax.dataset.records import KNOWLEDGE_QA, UNSCORED, Provenance, Rejection, Sample
from labtax.documents import Chunk, DocumentStore
from labtax.leaves import Leaf
from labtax.pipelines.pipeline import (
    Caller,
    LeafMaterial,
    Outcome,
    Pipeline,
    PipelineSettings,
    gather_all,
    shown_examples,
    split,
    spread,
)
from labtax.prompts import Message, faithfulness, knowledge_qa, render
from labtax.util import CHARS_PER_TOKEN, estimate_message_tokens

PAIRS_PER_CALL = 5
# The score of a kept pair. There is no relevance judge yet, so a faithful verdict is recorded as
# the top score; part 2 of the record format replaces this with the relevance judge's score.
FAITHFUL_SCORE = 3

Pair = tuple[str, str]  # (question, answer)
# At most per sample: one pair-writing call (every chunk asked asks for a pair at least) and one
# faithfulness judgement.
CALLS_PER_SAMPLE = 2


def estimated_calls(samples: int) -> int:
    """Pair-writing calls (per chunk, in batches) and a judge call per pair, bounded per sample."""
    return CALLS_PER_SAMPLE * samples


def estimated_prompt(leaf: Leaf, samples: int) -> list[Message]:
    """The knowledge_qa prompt with a chunk of the largest size: it carries the seed examples and
    the chunk, so its size bounds the judge prompts (chunk, one pair) too."""
    chunk = "x" * documents.MAX_CHUNK_TOKENS * CHARS_PER_TOKEN
    return qa_messages(leaf, shown_examples(leaf), chunk, min(samples, PAIRS_PER_CALL), (1, 1))


async def material(leaf: Leaf, store: DocumentStore, settings: PipelineSettings) -> LeafMaterial:
    """The leaf's document chunks; samples may quote the documents as well as the leaf."""
    files = await store.files(leaf)
    prompt = qa_messages(leaf, shown_examples(leaf), "", PAIRS_PER_CALL, (1, 1))
    room = documents.chunk_budget(
        documents.DEFAULT_CONTEXT_TOKENS, settings.answer_tokens, estimate_message_tokens(prompt)
    )
    return LeafMaterial(
        leaf.text + "\n" + documents.full_text(files), tuple(documents.chunk(files, room))
    )


def pick(chunks: Sequence[Chunk], wanted: int) -> list[tuple[Chunk, int]]:
    """Chunks to ask about, evenly spread over the documents, with how many pairs from each."""
    if not chunks or wanted <= 0:
        return []
    used = min(len(chunks), wanted)
    step = len(chunks) / used
    chosen = [chunks[int(i * step)] for i in range(used)]
    return list(zip(chosen, spread(wanted, used), strict=True))


def qa_messages(
    leaf: Leaf, examples: str, document: str, count: int, batch: tuple[int, int]
) -> list[Message]:
    """The knowledge_qa prompt; `batch` is (this request, requests for this chunk)."""
    return render(
        "knowledge_qa",
        {
            "domain": leaf.domain or None,
            "outline": leaf.document_outline or None,
            "examples": examples,
            "document": document,
            "count": str(count),
        },
        {"batch": str(batch[0]), "batches": str(batch[1])},
    )


async def run(
    leaf: Leaf, material: LeafMaterial, caller: Caller, settings: PipelineSettings
) -> Outcome:
    """Generate pairs from each chosen chunk, then keep those the judge finds faithful to it."""
    shown = shown_examples(leaf)
    parts = await gather_all(
        _chunk_round(leaf, caller, shown, chunk, count)
        for chunk, count in pick(material.chunks, settings.samples)
    )
    return Outcome.merge(parts)


async def _chunk_round(leaf: Leaf, caller: Caller, shown: str, chunk: Chunk, count: int) -> Outcome:
    batches = split(count, PAIRS_PER_CALL)
    replies = await gather_all(
        caller.ask("knowledge_qa", qa_messages(leaf, shown, chunk.text, n, (i, len(batches))))
        for i, n in enumerate(batches, 1)
    )
    rejected: list[Rejection] = []
    pairs: list[tuple[Pair, Provenance]] = []
    for asked, reply in zip(batches, replies, strict=True):
        made = Provenance((reply.call,), document=chunk.source, chunk=chunk.index)
        parsed = knowledge_qa.parse(reply.text)
        if parsed is None:
            blank = _candidate(leaf, chunk, ("", ""), made)
            rejected.append(blank.reject("knowledge_qa", "unparseable", reply.text))
            continue
        pairs.extend((pair, made) for pair in parsed[:asked])
    judged = await gather_all(_judge(leaf, caller, chunk, pair, made) for pair, made in pairs)
    kept = tuple(j for j in judged if isinstance(j, Sample))
    rejected.extend(j for j in judged if isinstance(j, Rejection))
    return Outcome(kept, tuple(rejected))


def _candidate(
    leaf: Leaf, chunk: Chunk, pair: Pair, made: Provenance, score: int = UNSCORED
) -> Sample:
    question, answer = pair
    return Sample(
        leaf.leaf_id, leaf.kind.value, KNOWLEDGE_QA, chunk.text, question, answer, score, made
    )


async def _judge(
    leaf: Leaf, caller: Caller, chunk: Chunk, pair: Pair, made: Provenance
) -> Sample | Rejection:
    question, answer = pair
    if not question or not answer:
        return _candidate(leaf, chunk, pair, made).reject("knowledge_qa", "empty_pair")
    judged = await caller.ask(
        "faithfulness",
        render("faithfulness", {"document": chunk.text, "question": question, "answer": answer}),
    )
    made = made.then(judged.call)
    verdict = faithfulness.parse(judged.text)
    if verdict is None:
        return _candidate(leaf, chunk, pair, made).reject(
            "faithfulness", "unparseable", judged.text
        )
    if not verdict.faithful:
        return _candidate(leaf, chunk, pair, made).reject(
            "faithfulness", "unfaithful", verdict.explanation
        )
    return _candidate(leaf, chunk, pair, made, FAITHFUL_SCORE)


PIPELINE = Pipeline(estimated_calls, estimated_prompt, material, run)

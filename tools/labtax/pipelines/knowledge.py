"""Knowledge: question/answer pairs grounded in each document chunk -> faithfulness judge.

A knowledge leaf works from its documents: `material` reads them (through the run's store, which
fetches a remote repository once) and cuts them into chunks that fit the teacher's context next to
the prompt; its samples may quote the documents as well as the leaf.
"""

from __future__ import annotations

from collections.abc import Sequence

from labtax import documents
from labtax.dataset.records import Rejection, Sample
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
    answers = await gather_all(
        caller.ask("knowledge_qa", qa_messages(leaf, shown, chunk.text, n, (i, len(batches))))
        for i, n in enumerate(batches, 1)
    )
    rejected: list[Rejection] = []
    pairs: list[tuple[str, str]] = []
    for asked, text in zip(batches, answers, strict=True):
        parsed = knowledge_qa.parse(text)
        if parsed is None:
            blank = Sample(leaf.leaf_id, leaf.kind.value, chunk.text, "", "")
            rejected.append(blank.reject("knowledge_qa", "unparseable", text))
            continue
        pairs.extend(parsed[:asked])
    judged = await gather_all(_judge(leaf, caller, chunk, q, a) for q, a in pairs)
    kept = tuple(j for j in judged if isinstance(j, Sample))
    rejected.extend(j for j in judged if isinstance(j, Rejection))
    return Outcome(kept, tuple(rejected))


async def _judge(
    leaf: Leaf, caller: Caller, chunk: Chunk, question: str, answer: str
) -> Sample | Rejection:
    candidate = Sample(leaf.leaf_id, leaf.kind.value, chunk.text, question, answer)
    if not question or not answer:
        return candidate.reject("knowledge_qa", "empty_pair")
    text = await caller.ask(
        "faithfulness",
        render("faithfulness", {"document": chunk.text, "question": question, "answer": answer}),
    )
    verdict = faithfulness.parse(text)
    if verdict is None:
        return candidate.reject("faithfulness", "unparseable", text)
    if not verdict.faithful:
        return candidate.reject("faithfulness", "unfaithful", verdict.explanation)
    return candidate


PIPELINE = Pipeline(estimated_calls, estimated_prompt, material, run)

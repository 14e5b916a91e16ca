"""Knowledge: question/answer pairs grounded in each document chunk -> faithfulness judge."""

from __future__ import annotations

from collections.abc import Sequence

from labtax.dataset.records import Rejection, Sample
from labtax.documents import Chunk
from labtax.leaves import Leaf
from labtax.pipelines import (
    PAIRS_PER_CALL,
    Caller,
    Outcome,
    Settings,
    gather_all,
    knowledge_examples,
    split,
    spread,
    text_of,
)
from labtax.prompts import Message, faithfulness, format_examples, knowledge_qa, render


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
            "domain": text_of(leaf.data.get("domain")) or None,
            "outline": text_of(leaf.data.get("document_outline")) or None,
            "examples": examples,
            "document": document,
            "count": str(count),
        },
        {"batch": str(batch[0]), "batches": str(batch[1])},
    )


async def run(leaf: Leaf, caller: Caller, settings: Settings, chunks: Sequence[Chunk]) -> Outcome:
    """Generate pairs from each chosen chunk, then keep those the judge finds faithful to it."""
    shown = format_examples(knowledge_examples(leaf))
    parts = await gather_all(
        _chunk_round(leaf, caller, shown, chunk, count)
        for chunk, count in pick(chunks, settings.samples)
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

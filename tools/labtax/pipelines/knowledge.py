"""Knowledge: every chunk of the leaf's documents gives question/answer pairs and auxiliary data.

A knowledge leaf works from its documents: `material` reads them (through the run's store, which
fetches a remote repository once) and cuts them along their structure into chunks that leave room
in the teacher's context for the longest prompt about a chunk and its answer; its samples may
quote the documents as well as the leaf. Its target is a quota per chunk: `samples_per_chunk`
pairs and one sample of each auxiliary form (`auxiliary`), so every chunk contributes.

Per chunk and round: pairs are written `PAIRS_PER_CALL` to a call, with the seed examples, and
the auxiliary texts one call each. Then the judges, each grading a batch of the chunk's items per
call, cheapest first: `standalone` (a closed-book question must make sense without the passage),
`faithfulness` to the chunk (pairs and auxiliary texts), and `relevance` of the answer to the
question, whose score (keep 2 or more) is the sample's score. A `knowledge_qa` sample is closed
book: its user turn is the question alone, and its context and provenance name the chunk
(document file and index) its answer is grounded in. An auxiliary sample's user turn is the chunk
and its instruction; it has no graded judge, so a faithful one scores 3.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from labtax import chunking
from labtax.chunking import Chunk
from labtax.dataset.records import (
    KNOWLEDGE_QA,
    MAX_SCORE,
    UNSCORED,
    Form,
    Provenance,
    Rejection,
    Sample,
)
from labtax.documents import DocumentStore
from labtax.errors import LabtaxError, Location
from labtax.leaves import Leaf
from labtax.pipelines import auxiliary
from labtax.pipelines.judging import Judged, judge
from labtax.pipelines.pipeline import (
    EXAMPLES_PER_ITEM,
    Caller,
    LeafMaterial,
    Outcome,
    Pipeline,
    PipelineSettings,
    Reply,
    RoundPlan,
    Unit,
    batches,
    gather_all,
    shown_examples,
    split,
)
from labtax.prompts import Message, faithfulness, knowledge_qa, relevance, render, standalone
from labtax.util import estimate_message_tokens

PAIRS_PER_CALL = 5
# Questions alone are short; pairs are judged in smaller batches.
QUESTION_BATCH = 10
PAIR_BATCH = 5
MIN_RELEVANCE = 2

V = TypeVar("V")


class _Explained(Protocol):
    """A judge's verdict that says why."""

    @property
    def explanation(self) -> str: ...


E = TypeVar("E", bound=_Explained)


def targets(material: LeafMaterial, settings: PipelineSettings) -> dict[Unit, int]:
    """Every chunk's quota: `samples_per_chunk` pairs and one sample of each auxiliary form."""
    quota = settings.generation.samples_per_chunk
    out: dict[Unit, int] = {}
    for chunk in material.chunks:
        out[(chunk.index, KNOWLEDGE_QA)] = quota
        out.update({(chunk.index, form): 1 for form in auxiliary.FORMS})
    return out


def chunk_calls(pairs: int, texts: int) -> int:
    """At most, for one chunk's round: pair writing, the three judges of the pairs, a call per
    auxiliary text and one judge call for all of them."""
    return (
        batches(pairs, PAIRS_PER_CALL)
        + batches(pairs, QUESTION_BATCH)
        + 2 * batches(pairs, PAIR_BATCH)
        + texts
        + (1 if texts else 0)
    )


def round_calls(asks: Mapping[Unit, int]) -> int:
    per_chunk: dict[int, tuple[int, int]] = {}
    for (index, form), count in asks.items():
        pairs, texts = per_chunk.get(index, (0, 0))
        if form == KNOWLEDGE_QA:
            pairs += count
        elif count > 0:
            texts += 1
        per_chunk[index] = (pairs, texts)
    return sum(chunk_calls(pairs, texts) for pairs, texts in per_chunk.values())


def estimated_prompt(leaf: Leaf, material: LeafMaterial) -> list[Message]:
    """The knowledge_qa prompt with the leaf's largest chunk: it carries the seed examples and the
    chunk, so its size bounds the other prompts about a chunk."""
    largest = max((c.text for c in material.chunks), key=len, default="")
    return qa_messages(
        leaf, shown_examples(leaf, EXAMPLES_PER_ITEM), largest, PAIRS_PER_CALL, (1, 1)
    )


async def material(leaf: Leaf, store: DocumentStore, settings: PipelineSettings) -> LeafMaterial:
    """The leaf's document chunks; samples may quote the documents as well as the leaf."""
    files = await store.files(leaf)
    generation = settings.generation
    size = chunk_size(leaf, settings)
    chunks = chunking.chunk(files, size, min(generation.chunk_overlap_tokens, size // 2))
    text = chunking.full_text(files)
    return LeafMaterial(leaf.text + "\n" + text, tuple(chunks), text)


def chunk_size(leaf: Leaf, settings: PipelineSettings) -> int:
    """The chunk size: `chunk_tokens`, or less when the teacher's context cannot hold a chunk of
    it in the largest prompt about a chunk (pair writing with the seed examples; the
    faithfulness judge of the auxiliary texts, each as long as its answer limit) and the answer.
    """
    context = settings.generation.context_tokens
    writing = chunking.chunk_room(
        context,
        settings.answer_tokens("knowledge_qa"),
        estimate_message_tokens(
            qa_messages(leaf, shown_examples(leaf, EXAMPLES_PER_ITEM), "", 1, (1, 1))
        ),
    )
    texts = sum(settings.answer_tokens(form) for form in auxiliary.FORMS)
    judging = chunking.chunk_room(
        context,
        settings.answer_tokens("faithfulness"),
        estimate_message_tokens(render("faithfulness", {"document": "", "items": "[]"})) + texts,
    )
    room = min(writing, judging)
    if room < chunking.MIN_CHUNK_TOKENS:
        raise LabtaxError(
            f"the teacher's context of {context} tokens leaves {max(room, 0)} for a document"
            f" chunk, fewer than {chunking.MIN_CHUNK_TOKENS}, once the prompt, the seed examples"
            " and the answer are in it",
            hint="raise [tool.labtax.generation] context_tokens (if the teacher has the room), or"
            " lower max_tokens of the knowledge stages in [tool.labtax.teacher.stages.<stage>]",
            location=Location(leaf.path),
        )
    return min(settings.generation.chunk_tokens, room)


def qa_messages(
    leaf: Leaf,
    examples: str,
    document: str,
    count: int,
    batch: tuple[int, int],
    *,
    round_number: int = 1,
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
        {"batch": str(batch[0]), "batches": str(batch[1]), "round": str(round_number)},
    )


async def run_round(leaf: Leaf, material: LeafMaterial, caller: Caller, plan: RoundPlan) -> Outcome:
    """Every chunk the round asks about: its pairs and auxiliary texts, written and judged."""
    wanted: dict[int, dict[str, int]] = {}
    for (index, form), count in plan.asks.items():
        if count > 0:
            wanted.setdefault(index, {})[form] = count
    by_index = {chunk.index: chunk for chunk in material.chunks}
    shown = shown_examples(leaf, EXAMPLES_PER_ITEM)
    parts = await gather_all(
        _ChunkRound(leaf, caller, by_index[index], plan).run(shown, asks)
        for index, asks in sorted(wanted.items())
    )
    return Outcome.merge(parts)


@dataclass(frozen=True)
class _ChunkRound:
    leaf: Leaf
    caller: Caller
    chunk: Chunk
    plan: RoundPlan

    def candidate(
        self,
        form: Form,
        question: str,
        answer: str,
        made: Provenance,
        score: int = UNSCORED,
    ) -> Sample:
        leaf = self.leaf
        text = self.chunk.text
        return Sample(leaf.leaf_id, leaf.kind.value, form, text, question, answer, score, made)

    async def run(self, shown: str, asks: Mapping[str, int]) -> Outcome:
        chunk, number = self.chunk, self.plan.number
        parts = split(asks.get(KNOWLEDGE_QA, 0), PAIRS_PER_CALL)
        forms = [form for form in auxiliary.FORMS if asks.get(form)]
        asking = [
            self.caller.ask(
                "knowledge_qa",
                qa_messages(self.leaf, shown, chunk.text, n, (i, len(parts)), round_number=number),
            )
            for i, n in enumerate(parts, 1)
        ]
        asking += [
            self.caller.ask(form, auxiliary.request(form, self.leaf.domain, chunk, number))
            for form in forms
        ]
        replies = await gather_all(asking)
        rejected: list[Rejection] = []
        pairs = self._pairs(parts, replies[: len(parts)], rejected)
        texts = []
        for form, reply in zip(forms, replies[len(parts) :], strict=True):
            text = auxiliary.written(form, reply)
            question = auxiliary.instruction(form, chunk.text)
            made = Provenance((reply.call,), number, chunk.source, chunk.index)
            candidate = self.candidate(form, question, text.text, made)
            if text.failure[0]:
                rejected.append(candidate.reject(form, *text.failure))
            else:
                texts.append(candidate)
        pairs = await self._standalone(pairs, rejected)
        faithful_pairs, faithful_texts = await gather_all(
            [self._faithful(pairs, PAIR_BATCH, rejected), self._faithful(texts, 3, rejected)]
        )
        kept = await self._relevant(faithful_pairs, rejected)
        kept += [
            self.candidate(t.form, t.question, t.answer, t.provenance, MAX_SCORE)
            for t in faithful_texts
        ]
        return Outcome(tuple(kept), tuple(rejected))

    def _pairs(
        self, parts: Sequence[int], replies: Sequence[Reply], rejected: list[Rejection]
    ) -> list[Sample]:
        chunk, number = self.chunk, self.plan.number
        seen = {q for c, q in self.plan.seen if c == chunk.text}
        out: list[Sample] = []
        for wanted, reply in zip(parts, replies, strict=True):
            made = Provenance((reply.call,), number, chunk.source, chunk.index)
            parsed = None if reply.failure else knowledge_qa.parse(reply.text)
            if parsed is None:
                reason = reply.failure or "unparseable"
                blank = self.candidate(KNOWLEDGE_QA, "", "", made)
                rejected.append(blank.reject("knowledge_qa", reason, reply.text))
                continue
            for question, answer in parsed[:wanted]:
                candidate = self.candidate(KNOWLEDGE_QA, question, answer, made)
                if not question or not answer:
                    rejected.append(candidate.reject("knowledge_qa", "empty_pair"))
                elif question in seen:
                    rejected.append(candidate.reject("knowledge_qa", "duplicate_question"))
                else:
                    seen.add(question)
                    out.append(candidate)
        return out

    async def _standalone(self, pairs: list[Sample], rejected: list[Rejection]) -> list[Sample]:
        verdicts = await judge(
            self.caller,
            "standalone",
            {"domain": self.leaf.domain or None},
            [{"question": p.question} for p in pairs],
            parse=standalone.parse,
            batch=QUESTION_BATCH,
        )
        return self._sift(
            pairs,
            verdicts,
            "standalone",
            "not_standalone",
            passes=lambda v: v.stands_alone,
            rejected=rejected,
        )

    async def _faithful(
        self, items: list[Sample], batch: int, rejected: list[Rejection]
    ) -> list[Sample]:
        verdicts = await judge(
            self.caller,
            "faithfulness",
            {"document": self.chunk.text},
            [{"question": s.question, "answer": s.answer} for s in items],
            parse=faithfulness.parse,
            batch=batch,
        )
        return self._sift(
            items,
            verdicts,
            "faithfulness",
            "unfaithful",
            passes=lambda v: v.faithful,
            rejected=rejected,
        )

    async def _relevant(self, pairs: list[Sample], rejected: list[Rejection]) -> list[Sample]:
        scores = await judge(
            self.caller,
            "relevance",
            {},
            [{"question": p.question, "answer": p.answer} for p in pairs],
            parse=relevance.parse,
            batch=PAIR_BATCH,
        )
        out = []
        for pair, judged in self._then(pairs, scores):
            verdict = judged.verdict
            if verdict is None:
                rejected.append(pair.reject("relevance", *judged.failure))
                continue
            scored = self.candidate(
                KNOWLEDGE_QA, pair.question, pair.answer, pair.provenance, verdict.score
            )
            if verdict.score < MIN_RELEVANCE:
                rejected.append(scored.reject("relevance", "low_score", verdict.explanation))
            else:
                out.append(scored)
        return out

    def _sift(
        self,
        items: Sequence[Sample],
        verdicts: Sequence[Judged[E]],
        stage: str,
        reason: str,
        *,
        passes: Callable[[E], bool],
        rejected: list[Rejection],
    ) -> list[Sample]:
        """The items whose verdict `passes`; each other one is rejected at `stage`, for `reason`
        with the judge's explanation, or for why there is no verdict."""
        out = []
        for item, judged in self._then(items, verdicts):
            verdict = judged.verdict
            if verdict is None:
                rejected.append(item.reject(stage, *judged.failure))
            elif not passes(verdict):
                rejected.append(item.reject(stage, reason, verdict.explanation))
            else:
                out.append(item)
        return out

    @staticmethod
    def _then(
        items: Sequence[Sample], verdicts: Sequence[Judged[V]]
    ) -> list[tuple[Sample, Judged[V]]]:
        """Each item with the judge's call added to its provenance, and its verdict."""
        return [
            (replace(s, provenance=s.provenance.then(j.call)), j)
            for s, j in zip(items, verdicts, strict=True)
        ]


PIPELINE = Pipeline(
    material=material,
    targets=targets,
    round_calls=round_calls,
    estimated_prompt=estimated_prompt,
    run_round=run_round,
    single=frozenset(auxiliary.FORMS),
)

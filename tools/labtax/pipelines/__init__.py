"""LAB pipelines, one plain async function per leaf kind, and what they share.

A pipeline turns one leaf's seed examples into candidate samples and rejections by asking the
teacher through a `Caller`. It never sees another leaf: only the leaf's own seeds go into its
prompts. Work inside a leaf is split into many independent calls run concurrently, so the teacher's
concurrency is used even for a single leaf; the orchestrator runs many leaves at once on top.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from labtax.dataset.records import Rejection, Sample
from labtax.leaves import Leaf, SeedExample
from labtax.prompts import Message

T = TypeVar("T")

QUESTIONS_PER_CALL = 5
CONTEXTS_PER_CALL = 5
QUESTIONS_PER_CONTEXT = 3
PAIRS_PER_CALL = 5
MIN_SCORE = 2


class CompletionLike(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def prompt_tokens(self) -> int: ...
    @property
    def completion_tokens(self) -> int: ...
    @property
    def cost_usd(self) -> float | None: ...
    @property
    def cached(self) -> bool: ...


class TeacherLike(Protocol):
    async def complete(self, messages: list[Message], *, stage: str) -> Any: ...


class Gate(Protocol):
    """Orders calls across leaves (earlier leaves first), so a budget stop finishes whole leaves."""

    async def acquire(self, priority: int) -> None: ...
    def release(self) -> None: ...


@dataclass
class LeafUsage:
    """What one leaf's calls cost; cached answers count with their stored figures."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    costs: list[float | None] = field(default_factory=list)

    @property
    def cost_usd(self) -> float | None:
        """Exact sum (order-independent, so concurrent runs agree), or None when any is unknown."""
        if any(c is None for c in self.costs):
            return None
        return round(math.fsum(c for c in self.costs if c is not None), 10)


@dataclass
class Caller:
    """How a pipeline asks the teacher: through the gate, recording the leaf's usage."""

    teacher: TeacherLike
    usage: LeafUsage = field(default_factory=LeafUsage)
    gate: Gate | None = None
    priority: int = 0

    async def ask(self, stage: str, messages: list[Message]) -> str:
        if self.gate is not None:
            await self.gate.acquire(self.priority)
        try:
            done: CompletionLike = await self.teacher.complete(messages, stage=stage)
        finally:
            if self.gate is not None:
                self.gate.release()
        self.usage.calls += 1
        self.usage.prompt_tokens += done.prompt_tokens
        self.usage.completion_tokens += done.completion_tokens
        self.usage.costs.append(done.cost_usd)
        return done.text


@dataclass(frozen=True)
class Outcome:
    """A pipeline's result for one leaf, before the quality filters."""

    candidates: tuple[Sample, ...]
    rejected: tuple[Rejection, ...]

    @staticmethod
    def merge(parts: Iterable[Outcome]) -> Outcome:
        items = list(parts)
        return Outcome(
            tuple(s for p in items for s in p.candidates),
            tuple(r for p in items for r in p.rejected),
        )


@dataclass(frozen=True)
class Settings:
    """Per-run knobs a pipeline needs."""

    samples: int
    chunk_tokens: int = 1024


async def gather_all(awaitables: Iterable[Awaitable[T]]) -> list[T]:
    """Run all concurrently and return results in order; on the first error cancel the rest."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    if not tasks:
        return []
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def split(total: int, size: int) -> list[int]:
    """`total` items in batches of at most `size`: split(12, 5) == [5, 5, 2]."""
    return [min(size, total - start) for start in range(0, max(total, 0), size)]


def spread(total: int, parts: int) -> list[int]:
    """`total` spread over `parts` as evenly as possible, larger shares first."""
    if parts <= 0:
        return []
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def text_of(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def skill_examples(leaf: Leaf) -> list[SeedExample]:
    """A skill leaf's seed examples (question, answer and, for grounded skills, context)."""
    out = []
    for item in _seed_items(leaf):
        question, answer = text_of(item.get("question")), text_of(item.get("answer"))
        if not question or not answer:
            continue
        context = text_of(item.get("context")) or None
        out.append(SeedExample(context, ((question, answer),)))
    return out


def knowledge_examples(leaf: Leaf) -> list[SeedExample]:
    """A knowledge leaf's seeds: contexts with their pairs (v3), or bare pairs (v1 and v2)."""
    out = []
    for item in _seed_items(leaf):
        pairs = item.get("questions_and_answers")
        raw = pairs if isinstance(pairs, list) else [item]
        found = tuple(
            (text_of(p.get("question")), text_of(p.get("answer")))
            for p in raw
            if isinstance(p, dict) and text_of(p.get("question")) and text_of(p.get("answer"))
        )
        if found:
            out.append(SeedExample(text_of(item.get("context")) or None, found))
    return out


def seed_texts(examples: Sequence[SeedExample]) -> list[str]:
    """Every seed string (contexts, questions, answers), for filters that compare against seeds."""
    out: list[str] = []
    for example in examples:
        if example.context:
            out.append(example.context)
        for question, answer in example.pairs:
            out.extend((question, answer))
    return out


def task_of(leaf: Leaf) -> str:
    # Never the leaf path: prompts must not change when a leaf moves, so a rename costs no calls.
    return text_of(leaf.data.get("task_description")) or "Perform the task the examples show."


def _seed_items(leaf: Leaf) -> list[dict[str, Any]]:
    seeds = leaf.data.get("seed_examples")
    return [s for s in seeds if isinstance(s, dict)] if isinstance(seeds, list) else []

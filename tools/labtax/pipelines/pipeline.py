"""What a LAB pipeline is to generation, and what every pipeline shares.

A `Pipeline` is one leaf kind's recipe, stated by its own module: how many teacher calls it makes
at most and a prompt whose size stands for its calls (for estimates), what it works from besides
the leaf's seeds (`LeafMaterial`: knowledge reads and chunks its documents, skills need nothing
more), how it runs, and how its candidates are filtered (`context_scoped`). Generation looks
pipelines up by kind in `labtax.pipelines.PIPELINES` and never branches on the kind itself.

A pipeline asks the teacher through a `Caller`, which passes the run's priority gate, meters
the leaf's usage and hands back each answer with the `Call` it came from (its stage and the
teacher's cache key), which every candidate accumulates as its provenance. It never sees another
leaf: only the leaf's own seeds go into its prompts. Work
inside a leaf is split into many independent calls run concurrently, so the teacher's concurrency
is used even for a single leaf; generation runs many leaves at once on top.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from labtax.dataset.records import Call, Rejection, Sample
from labtax.documents import Chunk, DocumentStore
from labtax.leaves import Leaf
from labtax.prompts import Message, format_examples
from labtax.teacher import Completion
from labtax.usage import Usage, UsageMeter

T = TypeVar("T")


class Asker(Protocol):
    """The teacher as a pipeline uses it (`labtax.teacher.Teacher`, or a test's stand-in)."""

    async def complete(self, messages: list[Message], *, stage: str) -> Completion: ...


class Gate(Protocol):
    """Orders calls across leaves (earlier leaves first), so a budget stop finishes whole leaves."""

    async def acquire(self, priority: int) -> None: ...
    def release(self) -> None: ...


@dataclass(frozen=True)
class Reply:
    """A teacher answer as a pipeline uses it: the text, and the call it is the answer to."""

    text: str
    call: Call


@dataclass
class Caller:
    """How a pipeline asks the teacher: through the gate, metering the leaf's usage.

    Every answer counts, cached ones with their stored figures: a leaf's usage is what producing
    its data took, whichever run paid for it. `stages` collects the stages the leaf asked.
    """

    teacher: Asker
    gate: Gate | None = None
    priority: int = 0
    meter: UsageMeter = field(default_factory=UsageMeter)
    stages: set[str] = field(default_factory=set)

    @property
    def usage(self) -> Usage:
        return self.meter.usage

    async def ask(self, stage: str, messages: list[Message]) -> Reply:
        if self.gate is not None:
            await self.gate.acquire(self.priority)
        try:
            done = await self.teacher.complete(messages, stage=stage)
        finally:
            if self.gate is not None:
                self.gate.release()
        self.meter.add(
            done.prompt_tokens,
            done.completion_tokens,
            done.cost_usd,
            cached=done.cached,
            cached_prompt_tokens=done.cached_prompt_tokens,
        )
        self.stages.add(stage)
        return Reply(done.text, Call(stage, done.request))


@dataclass(frozen=True)
class PipelineSettings:
    """Per-run knobs a pipeline needs: samples to aim for, and the teacher's answer length."""

    samples: int
    answer_tokens: int = 1024


@dataclass(frozen=True)
class LeafMaterial:
    """What a pipeline works from besides the leaf's seeds.

    `allowed_text` is the text generated samples may quote personal data from (the leaf itself,
    plus a knowledge leaf's documents); `chunks` are the document pieces a knowledge leaf asks
    about.
    """

    allowed_text: str
    chunks: tuple[Chunk, ...] = ()


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
class Pipeline:
    """One leaf kind's pipeline, as its module states it."""

    # An upper bound on the teacher calls for `samples` samples (every candidate passing).
    estimated_calls: Callable[[int], int]
    # A prompt whose size stands for every call of the leaf's, for token and cost estimates.
    estimated_prompt: Callable[[Leaf, int], list[Message]]
    # What the run works from; reads documents through the run's one store.
    material: Callable[[Leaf, DocumentStore, PipelineSettings], Awaitable[LeafMaterial]]
    run: Callable[[Leaf, LeafMaterial, Caller, PipelineSettings], Awaitable[Outcome]]
    # Whether the filters compare duplicates per context (the same instruction over two
    # different contexts is two samples).
    context_scoped: bool = False


async def seeds_only(leaf: Leaf, store: DocumentStore, settings: PipelineSettings) -> LeafMaterial:
    """The material of a skill: nothing but the leaf, whose own text the filters allow."""
    return LeafMaterial(leaf.text)


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


def task_of(leaf: Leaf) -> str:
    # Never the leaf path: prompts must not change when a leaf moves, so a rename costs no calls.
    return leaf.task_description or "Perform the task the examples show."


def shown_examples(leaf: Leaf) -> str:
    """The leaf's seed examples as its prompts show them."""
    return format_examples(leaf.seed_examples)

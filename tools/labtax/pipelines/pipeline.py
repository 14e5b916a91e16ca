"""What a LAB pipeline is to generation, and what every pipeline shares.

A `Pipeline` is one leaf kind's recipe, stated by its own module: what it works from besides the
leaf's seeds (`LeafMaterial`: knowledge reads and chunks its documents, skills need nothing more),
how many kept samples it aims for and where they come from (`targets`: one count per `Unit`, a
chunk and a form), one round of work asking for given counts (`run_round`), an upper bound on the
calls such a round makes and a prompt whose size stands for its calls (for the call budget and
estimates), and how its candidates are filtered (`context_scoped`). Generation runs the rounds
(`labtax.generation.rounds`), looks pipelines up by kind in `labtax.pipelines.PIPELINES` and never
branches on the kind itself.

A pipeline asks the teacher through a `Caller`, which passes the run's priority gate, sends each
stage with its own temperature and answer limit (judges cold, writers warm), meters the leaf's
usage and hands back each answer with the `Call` it came from (its stage and the teacher's cache
key), which every candidate accumulates as its provenance. An answer the teacher could not finish
within its length bound comes back `truncated`, one that stayed empty `empty`, and the items it was
for are rejected as such. A
pipeline never sees another leaf: only the leaf's own seeds go into its prompts. Work inside a
leaf is split into many independent calls run concurrently, so the teacher's concurrency is used
even for a single leaf; generation runs many leaves at once on top.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from labtax.chunking import Chunk
from labtax.config import GenerationConfig, StageOverride, TeacherConfig
from labtax.dataset.records import NO_CHUNK, Call, Rejection, Sample
from labtax.documents import DocumentStore
from labtax.leaves import Leaf
from labtax.prompts import STAGES, Message, format_examples
from labtax.teacher import Completion
from labtax.transport import CallParams
from labtax.usage import Usage, UsageMeter
from labtax.util import canonical_json, sha256_hex

T = TypeVar("T")

# Where a kept sample counts towards its leaf's target: its chunk (NO_CHUNK for skills) and form.
Unit = tuple[int, str]

TRUNCATED = "truncated"
EMPTY = "empty"


class Asker(Protocol):
    """The teacher as a pipeline uses it (`labtax.teacher.Teacher`, or a test's stand-in)."""

    async def complete(
        self, messages: list[Message], *, stage: str, params: CallParams | None = None
    ) -> Completion: ...


class Gate(Protocol):
    """Orders calls across leaves (earlier leaves first), so a budget stop finishes whole leaves."""

    async def acquire(self, priority: int) -> None: ...
    def release(self) -> None: ...


@dataclass(frozen=True)
class Reply:
    """A teacher answer as a pipeline uses it: the text, and the call it is the answer to.

    `failure` is why there is no usable answer, the reason whatever the call was for is rejected
    with (`text` is then empty): `truncated`, the teacher stopped at its length bound even after
    its retries with a larger limit; `empty`, it answered nothing even when asked again.
    """

    text: str
    call: Call
    failure: str = ""

    @property
    def truncated(self) -> bool:
        return self.failure == TRUNCATED

    def problem(self, answer: str) -> str:
        """The rejection's detail for a failed reply, `answer` naming what it was for."""
        if self.failure == TRUNCATED:
            return f"{answer} was cut at its length limit"
        return f"{answer} was empty, even when asked again"


def stage_params(
    teacher: TeacherConfig, overrides: Mapping[str, StageOverride] | None = None
) -> dict[str, CallParams]:
    """Every prompt stage's call settings: judges at temperature 0 and generating stages at the
    teacher's temperature, each with the teacher's answer limit, unless the stage's own table
    (`[tool.labtax.teacher.stages.<stage>]`) says otherwise."""
    own = overrides or {}
    out = {}
    for name, stage in STAGES.items():
        override = own.get(name, StageOverride())
        default = 0.0 if stage.judge else teacher.temperature
        out[name] = CallParams(
            default if override.temperature is None else override.temperature,
            teacher.max_tokens if override.max_tokens is None else override.max_tokens,
        )
    return out


@dataclass
class Caller:
    """How a pipeline asks the teacher: through the gate, with each stage's settings, metering
    the leaf's usage.

    Every answer counts, cached ones with their stored figures: a leaf's usage is what producing
    its data took, whichever run paid for it. `stages` collects the stages the leaf asked.
    `params` gives a stage's temperature and answer limit (absent: the teacher's defaults).
    `truncation` names the teacher's errors for an answer it could not make usable with its own
    retries: one still cut at its length bound, or empty. Such a call becomes a reply whose
    `failure` is the error's `reason` (`truncated` unless it says otherwise) instead of failing
    the leaf.
    """

    teacher: Asker
    gate: Gate | None = None
    priority: int = 0
    meter: UsageMeter = field(default_factory=UsageMeter)
    stages: set[str] = field(default_factory=set)
    params: Mapping[str, CallParams] = field(default_factory=dict)
    truncation: tuple[type[Exception], ...] = ()

    @property
    def usage(self) -> Usage:
        return self.meter.usage

    @property
    def answers(self) -> int:
        """Answers the leaf has used so far, from the cache or not (what the call bound counts:
        the same in a rerun from the cache)."""
        usage = self.meter.usage
        return usage.calls + usage.cached_calls

    async def ask(self, stage: str, messages: list[Message]) -> Reply:
        params = self.params.get(stage)
        if self.gate is not None:
            await self.gate.acquire(self.priority)
        try:
            done = await self.teacher.complete(messages, stage=stage, params=params)
        except self.truncation as exc:
            # The call was made (and paid for); its answer is unusable.
            self.meter.add(0, 0, 0.0, cached=False)
            self.stages.add(stage)
            reason = getattr(exc, "reason", TRUNCATED)
            failure = reason if isinstance(reason, str) and reason else TRUNCATED
            return Reply("", Call(stage, _request_of(exc, messages, params)), failure)
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


def _request_of(error: Exception, messages: list[Message], params: CallParams | None) -> str:
    """The request a truncated call was: the key the teacher's error names, else a digest of the
    request itself (never empty: provenance names every call)."""
    named = getattr(error, "request", None)
    if isinstance(named, str) and named:
        return named
    settings = None if params is None else [params.temperature, params.max_tokens]
    return sha256_hex(canonical_json([messages, settings]))


@dataclass(frozen=True)
class PipelineSettings:
    """Per-run knobs a pipeline needs: the generation volumes and chunking, and each stage's
    answer limit (a chunk must leave room for the longest answer about it)."""

    generation: GenerationConfig = field(default_factory=GenerationConfig)
    params: Mapping[str, CallParams] = field(default_factory=dict)
    default_max_tokens: int = 1024

    def answer_tokens(self, stage: str) -> int:
        params = self.params.get(stage)
        return self.default_max_tokens if params is None else params.max_tokens


@dataclass(frozen=True)
class LeafMaterial:
    """What a pipeline works from besides the leaf's seeds.

    `allowed_text` is the text generated samples may quote personal data from (the leaf itself,
    plus a knowledge leaf's documents); `chunks` are the document pieces a knowledge leaf asks
    about, `source_text` the documents themselves.
    """

    allowed_text: str
    chunks: tuple[Chunk, ...] = ()
    # The documents' text: samples grounded in it may quote it (the filters' `source_text`).
    source_text: str = ""


@dataclass(frozen=True)
class RoundPlan:
    """One round of a leaf: its number (from 1), how many candidates to ask for per unit, and
    the (context, question) pairs earlier rounds already produced, which are not asked again."""

    number: int
    asks: Mapping[Unit, int]
    seen: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class Outcome:
    """A pipeline's result for one leaf (or round), before the quality filters."""

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

    # What the run works from; reads documents through the run's one store.
    material: Callable[[Leaf, DocumentStore, PipelineSettings], Awaitable[LeafMaterial]]
    # Kept samples to reach, per unit.
    targets: Callable[[LeafMaterial, PipelineSettings], dict[Unit, int]]
    # An upper bound on the teacher calls of a round asking for these counts.
    round_calls: Callable[[Mapping[Unit, int]], int]
    # A prompt whose size stands for every call of the leaf's, for token and cost estimates.
    estimated_prompt: Callable[[Leaf, LeafMaterial], list[Message]]
    run_round: Callable[[Leaf, LeafMaterial, Caller, RoundPlan], Awaitable[Outcome]]
    # Whether the filters compare duplicates per context (the same instruction over two
    # different contexts is two samples).
    context_scoped: bool = False
    # Forms a round writes one candidate of per unit, whatever the shortfall (knowledge's
    # auxiliary texts: one summary of a chunk is asked for at a time).
    single: frozenset[str] = frozenset()


def unit_of(sample: Sample | Rejection) -> Unit:
    """The unit a candidate counts for: its chunk and its form."""
    return (sample.provenance.chunk, sample.form)


def skill_targets(form: str) -> Callable[[LeafMaterial, PipelineSettings], dict[Unit, int]]:
    """A skill leaf's target: `samples_per_leaf` samples of its one form."""

    def targets(material: LeafMaterial, settings: PipelineSettings) -> dict[Unit, int]:
        return {(NO_CHUNK, form): settings.generation.samples_per_leaf}

    return targets


def asked(plan: RoundPlan) -> int:
    """Candidates a skill round asks for (skills have one unit)."""
    return sum(plan.asks.values())


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


def batches(total: int, size: int) -> int:
    """How many batches of at most `size` hold `total` items."""
    return -(-max(total, 0) // size)


def spread(total: int, parts: int) -> list[int]:
    """`total` spread over `parts` as evenly as possible, larger shares first."""
    if parts <= 0:
        return []
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def task_of(leaf: Leaf) -> str:
    # Never the leaf path: prompts must not change when a leaf moves, so a rename costs no calls.
    return leaf.task_description or "Perform the task the examples show."


# Prompts asked once per item (an answer, a grounded context's questions, a chunk's pairs) show
# this many seed examples, the first ones; prompts writing for the whole leaf show them all. The
# examples are the bulk of such a prompt and are the same in every prompt of the leaf, so a
# server's prefix cache serves them.
EXAMPLES_PER_ITEM = 3


def shown_examples(leaf: Leaf, limit: int | None = None) -> str:
    """The leaf's seed examples (the first `limit`, when given) as its prompts show them."""
    return format_examples(leaf.seed_examples[:limit])

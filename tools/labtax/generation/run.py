"""Running a plan: move and remove data, then generate every leaf concurrently and write it.

Each leaf gets its pipeline from the table by kind, its material (documents for knowledge), its
rounds through the teacher until its target is met (`rounds`: the quality filters run across all
of them) and its files, as soon as it is done. Every stage is asked with its own temperature and
answer limit (`pipelines.pipeline.stage_params`), which the manifest records. Teacher calls pass
a priority gate so earlier leaves finish first, and a leaf's calls draw on one budget allowance
(`labtax.budget`) of its call bound (`rounds.leaf_call_bound`), granted before its first call only
when the budget left covers it: a budget stop leaves whole leaves written, never half of one. The
leaf path never enters a prompt, so a renamed leaf regenerates entirely from the cache.

`run_leaves` is what one process does; `generation.workers` spreads leaves over several processes,
each running it. A leaf's manifest records, as its `cached_prompt_tokens`, the prompt tokens of its
calls that repeat another of its calls' prefix (`usage.repeated_prefix_tokens`): order-independent,
unlike what a server reports, which only the run's usage line shows.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from labtax import __version__, budget, dataset, documents, inputs, leaves, yamldoc
from labtax.chunking import Chunk
from labtax.config import Config
from labtax.dataset.records import Rejection, Sample
from labtax.errors import LabtaxError, Location
from labtax.generation import rounds
from labtax.generation.plan import Plan
from labtax.leaves import Leaf
from labtax.pipelines import PIPELINES
from labtax.pipelines.pipeline import Caller, LeafMaterial, PipelineSettings, stage_params
from labtax.prompts import Message, template_hashes
from labtax.teacher import BudgetExceeded, Completion, EmptyAnswer, Teacher, TruncatedAnswer
from labtax.transport import CallParams
from labtax.usage import Usage, prompt_text, repeated_prefix_tokens
from labtax.util import make_state_dir

LeafRunStatus = Literal["generated", "failed", "unfinished"]

# The teacher's errors for an answer still cut at its length bound after the teacher's own
# retries with a larger limit, or still empty after it asked again: the pipelines turn them into
# `truncated` / `empty` rejections of what the answer was for, instead of failing the leaf.
TRUNCATION: tuple[type[Exception], ...] = (TruncatedAnswer, EmptyAnswer)


@dataclass(frozen=True)
class LeafResult:
    """One leaf's end: written, failed (`message` says why) or stopped by the budget.

    `shortfall` is why a written leaf kept fewer samples than its target ("" when it did not):
    its manifest's `volume.shortfall`, which the run's console shows too."""

    leaf_id: str
    status: LeafRunStatus
    kept: int = 0
    rejected: int = 0
    usage: Usage = field(default_factory=Usage)
    message: str = ""
    shortfall: str = ""


@dataclass(frozen=True)
class RunSummary:
    results: tuple[LeafResult, ...]
    moved: tuple[tuple[str, str], ...] = ()
    removed: tuple[str, ...] = ()
    budget_message: str = ""

    def count(self, status: LeafRunStatus) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def kept(self) -> int:
        return sum(r.kept for r in self.results)

    @property
    def rejected(self) -> int:
        return sum(r.rejected for r in self.results)


class PriorityGate:
    """A semaphore that wakes the waiter with the lowest priority number first (FIFO on ties)."""

    def __init__(self, slots: int) -> None:
        self._free = max(1, slots)
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def acquire(self, priority: int) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release()  # the slot was handed over just as we were cancelled
            raise

    def release(self) -> None:
        while self._waiters:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)  # hand the slot straight to the next waiter
                return
        self._free += 1


def pipeline_settings(config: Config) -> PipelineSettings:
    """What the pipelines need of the settings: volumes, chunking and each stage's call."""
    return PipelineSettings(
        config.generation,
        stage_params(config.teacher, config.teacher_stages),
        config.teacher.max_tokens,
    )


def prepare(config: Config, plan: Plan) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """Move the data of renamed leaves and remove that of deleted ones: (moved, removed)."""
    moved = tuple((old, new) for old, new in plan.moves if _move(config, old, new))
    removed = tuple(leaf_id for leaf_id in plan.removals if _remove(config, leaf_id))
    return moved, removed


async def run_plan(
    config: Config,
    plan: Plan,
    teacher: Teacher,
    *,
    on_leaf: Callable[[LeafResult], None] | None = None,
    fetch_documents: bool = True,
) -> RunSummary:
    """Execute `plan` in this process: move and remove data, then generate every leaf
    concurrently.

    With `fetch_documents=False` documents come from prefetched mirrors only (see
    `generation.prefetch`): the run never touches the network for them.
    """
    moved, removed = prepare(config, plan)
    results = await run_leaves(
        config,
        teacher,
        list(enumerate(plan.generate)),
        on_leaf=on_leaf,
        fetch_documents=fetch_documents,
    )
    return summarise(results, moved, removed)


def summarise(
    results: Sequence[LeafResult],
    moved: tuple[tuple[str, str], ...] = (),
    removed: tuple[str, ...] = (),
) -> RunSummary:
    unfinished = [r for r in results if r.status == "unfinished"]
    budget_message = unfinished[0].message if unfinished else ""
    return RunSummary(tuple(results), moved, removed, budget_message)


async def run_leaves(
    config: Config,
    teacher: Teacher,
    leaves_: Sequence[tuple[int, Leaf]],
    *,
    on_leaf: Callable[[LeafResult], None] | None = None,
    fetch_documents: bool = True,
) -> list[LeafResult]:
    """Generate `leaves_` (each with its priority: its place in the plan) concurrently."""
    if leaves_:
        # The response cache goes here; a `.labtax` directory ignores itself.
        make_state_dir(config.cache_dir)
    concurrency = max(1, config.teacher.concurrency)
    state = _Run(
        config,
        teacher,
        pipeline_settings(config),
        on_leaf,
        documents.DocumentStore(config, fetch=fetch_documents),
        # Twice the teacher's bound, so calls waiting out a retry delay leave the teacher busy.
        PriorityGate(2 * concurrency),
    )
    return list(await asyncio.gather(*(state.leaf(leaf, index) for index, leaf in leaves_)))


class _Recorder:
    """The teacher as one leaf's pipeline sees it: every prompt it asks is noted, so the leaf's
    manifest can state how much of its prompts repeat each other's prefixes."""

    def __init__(self, teacher: Teacher) -> None:
        self.teacher = teacher
        self.prompts: list[str] = []

    async def complete(
        self, messages: Sequence[Message], *, stage: str, params: CallParams | None = None
    ) -> Completion:
        self.prompts.append(prompt_text(messages))
        return await self.teacher.complete(messages, stage=stage, params=params)


@dataclass
class _Run:
    config: Config
    teacher: Teacher
    settings: PipelineSettings
    on_leaf: Callable[[LeafResult], None] | None
    store: documents.DocumentStore
    gate: PriorityGate
    templates: dict[str, str] = field(default_factory=template_hashes)

    async def leaf(self, leaf: Leaf, priority: int) -> LeafResult:
        recorder = _Recorder(self.teacher)
        caller = Caller(
            recorder,
            gate=self.gate,
            priority=priority,
            params=self.settings.params,
            truncation=TRUNCATION,
        )
        try:
            result = await self._generate(leaf, caller, recorder, priority)
        except BudgetExceeded as exc:
            why = f"{exc.message}; {exc.hint}" if exc.hint else exc.message
            result = LeafResult(leaf.leaf_id, "unfinished", usage=caller.usage, message=why)
        except LabtaxError as exc:
            result = LeafResult(leaf.leaf_id, "failed", usage=caller.usage, message=exc.render())
        if self.on_leaf is not None:
            self.on_leaf(result)
        return result

    async def _generate(
        self, leaf: Leaf, caller: Caller, recorder: _Recorder, priority: int
    ) -> LeafResult:
        pipeline = PIPELINES[leaf.kind]
        material = await pipeline.material(leaf, self.store, self.settings)
        calls = rounds.leaf_call_bound(pipeline, material, self.settings)

        async def price() -> float | None:
            return await self.teacher.estimate_cost(pipeline.estimated_prompt(leaf, material))

        pause = _gate_pause(self.gate, priority)
        async with budget.allowance(self.teacher.spending, priority, calls, price, pause):
            outcome = await rounds.generate(leaf, pipeline, material, caller, self.settings)
        kept, rejected = outcome.kept, outcome.rejected
        repeated = repeated_prefix_tokens(recorder.prompts)
        manifest = self._manifest(leaf, material, caller, outcome, repeated=repeated)
        await self._write(leaf, kept, rejected, manifest)
        return LeafResult(
            leaf.leaf_id,
            "generated",
            len(kept),
            len(rejected),
            caller.usage,
            shortfall=outcome.volume.shortfall,
        )

    def _manifest(
        self,
        leaf: Leaf,
        material: LeafMaterial,
        caller: Caller,
        outcome: rounds.LeafYield,
        *,
        repeated: int,
    ) -> dataset.Manifest:
        teacher, usage = self.config.teacher, caller.usage
        kept, rejected = outcome.kept, outcome.rejected
        return dataset.Manifest(
            leaf=leaf.leaf_id,
            kind=leaf.kind.value,
            inputs_hash=inputs.inputs_hash(self.config, leaf),
            labtax_version=__version__,
            teacher=dataset.TeacherParams(
                teacher.model,
                teacher.temperature,
                teacher.max_tokens,
                teacher.seed,
                # The leaf's own target (a knowledge leaf's grows with its documents).
                outcome.volume.target,
            ),
            templates=self.templates,
            counts=dataset.SampleCounts(
                candidates=len(kept) + len(rejected),
                kept=len(kept),
                rejected=len(rejected),
                rejected_by_reason=dict(Counter(r.reason for r in rejected)),
            ),
            # Every answer the leaf used is one of its calls, whichever run paid for it, so a
            # rerun from the cache writes the same manifest. What the server served from its
            # prefix cache depends on the order calls reached it: the manifest states what its
            # prompts repeat of each other instead, which does not.
            usage=Usage(
                calls=usage.calls + usage.cached_calls,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                cost_usd=usage.cost_usd,
                cached_prompt_tokens=min(repeated, usage.prompt_tokens),
            ),
            volume=outcome.volume,
            stages={
                name: _recorded(
                    self.settings.params.get(name), teacher.temperature, teacher.max_tokens
                )
                for name in sorted(caller.stages)
            },
            documents=document_uses(material.chunks, kept),
        )

    async def _write(
        self,
        leaf: Leaf,
        kept: Sequence[Sample],
        rejected: Sequence[Rejection],
        manifest: dataset.Manifest,
    ) -> None:
        directory = dataset.leaf_dir(self.config, leaf.leaf_id)
        try:
            await asyncio.to_thread(dataset.write_leaf, directory, kept, rejected, manifest)
        except OSError as exc:
            raise LabtaxError(
                f"cannot write generated data: {exc.strerror or exc}",
                hint="check free space and permissions; the leaf's previous data is unchanged",
                location=Location(self.config.rel(directory)),
            ) from exc


def _recorded(
    params: CallParams | None, temperature: float, max_tokens: int
) -> dataset.StageSettings:
    """A stage's call settings as the manifest records them (None: the teacher's defaults)."""
    if params is None:
        return dataset.StageSettings(temperature, max_tokens)
    return dataset.StageSettings(params.temperature, params.max_tokens)


def _gate_pause(gate: PriorityGate, priority: int) -> budget.Pause:
    """What a leaf's first call does while it waits for the leaf's allowance: the call holds a
    slot of the gate, and gives it back meanwhile, or leaves waiting could hold every slot that
    granted ones need."""

    @contextlib.asynccontextmanager
    async def pause() -> AsyncIterator[None]:
        gate.release()
        try:
            yield
        finally:
            await gate.acquire(priority)

    return pause


def document_uses(
    chunks: Sequence[Chunk], kept: Sequence[Sample]
) -> tuple[dataset.DocumentUse, ...]:
    """Each document the chunks come from: how many chunks it has and how many samples it gave."""
    per_document = Counter(chunk.source for chunk in chunks)
    from_document = Counter(sample.provenance.document for sample in kept)
    return tuple(
        dataset.DocumentUse(path, count, from_document[path])
        for path, count in sorted(per_document.items())
    )


def _move(config: Config, old: str, new: str) -> bool:
    return dataset.move_leaf(config, old, new, _kind_of(config, new))


def _remove(config: Config, leaf_id: str) -> bool:
    return dataset.remove_leaf(config, leaf_id)


def _kind_of(config: Config, leaf_id: str) -> str:
    path = config.taxonomy.joinpath(*leaf_id.split("/"), leaves.LEAF_NAME)
    try:
        return leaves.load_file(config, path).kind.value
    except yamldoc.LoadProblem:
        return leaves.kind_of(leaf_id, {}).value

"""Generation as a whole: which leaves to generate, running their pipelines, writing the dataset.

`plan` decides what a run does without calling anyone: leaves to generate (skipping those whose
manifest already records their current inputs), data to move for renamed leaves and to remove for
deleted ones. `run` executes a plan with a teacher: every leaf's pipeline runs concurrently, calls
pass a priority gate so earlier leaves finish first, and each leaf is written as soon as it is done.
A budget stop (or a failing leaf) therefore never loses a finished leaf, and a rerun picks up from
the response cache where the previous run stopped.
"""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import itertools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from labtax import __version__, changes, dataset, documents, filters, inputs, leaves, yamldoc
from labtax.config import BRANCHES, Config
from labtax.dataset.records import Rejection, Sample
from labtax.errors import LabtaxError, Location, UsageError
from labtax.leaves import Leaf, LeafKind
from labtax.pipelines import (
    CONTEXTS_PER_CALL,
    QUESTIONS_PER_CALL,
    QUESTIONS_PER_CONTEXT,
    Caller,
    Outcome,
    Settings,
    freeform,
    grounded,
    knowledge,
    knowledge_examples,
    skill_examples,
    split,
)
from labtax.prompts import format_examples, render, template_hashes
from labtax.teacher import BudgetExceeded, LitellmTransport, Teacher, estimate_tokens
from labtax.usage import Usage

Status = Literal["generated", "failed", "unfinished"]


@dataclass(frozen=True)
class Request:
    """What the user asked for on the command line."""

    paths: tuple[Path, ...] = ()
    changed: bool = False
    base: str | None = None
    shard: tuple[int, int] | None = None  # (index, count), index 1-based
    force: bool = False


@dataclass(frozen=True)
class Plan:
    """What a run will do; computed without any teacher call."""

    generate: tuple[Leaf, ...]
    fresh: tuple[str, ...] = ()
    metadata_only: tuple[str, ...] = ()
    moves: tuple[tuple[str, str], ...] = ()  # (old leaf id, new leaf id)
    removals: tuple[str, ...] = ()
    other_shards: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.generate or self.moves or self.removals)


@dataclass(frozen=True)
class LeafResult:
    leaf_id: str
    status: Status
    kept: int = 0
    rejected: int = 0
    calls: int = 0
    message: str = ""


@dataclass(frozen=True)
class Summary:
    results: tuple[LeafResult, ...]
    moved: tuple[tuple[str, str], ...] = ()
    removed: tuple[str, ...] = ()
    budget_message: str = ""

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def kept(self) -> int:
        return sum(r.kept for r in self.results)

    @property
    def rejected(self) -> int:
        return sum(r.rejected for r in self.results)


# ---------------------------------------------------------------------------------------------
# Planning


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N` with 1 <= I <= N."""
    index, sep, count = text.partition("/")
    if sep and index.strip().isdigit() and count.strip().isdigit():
        i, n = int(index), int(count)
        if 1 <= i <= n:
            return i, n
    raise UsageError(f"invalid --shard {text!r}", hint="use I/N with 1 <= I <= N, e.g. --shard 2/4")


def in_shard(leaf_id: str, shard: tuple[int, int] | None) -> bool:
    """Deterministic split of leaves across shards by a hash of the leaf id."""
    if shard is None:
        return True
    number = int.from_bytes(hashlib.sha256(leaf_id.encode("utf-8")).digest()[:8], "big")
    return number % shard[1] == shard[0] - 1


def plan(config: Config, request: Request) -> Plan:
    """Which leaves to generate, move and remove for `request`."""
    if request.changed:
        return _plan_changed(config, request)
    files = [p for p in leaves.discover(config, request.paths) if p.name == leaves.LEAF_NAME]
    if request.paths and not files:
        shown = ", ".join(str(p) for p in request.paths)
        raise LabtaxError(
            f"no qna.yaml under {shown}", hint="pass leaf directories or qna.yaml files"
        )
    loaded = [_load(config, path) for path in files]
    mine = [leaf for leaf in loaded if in_shard(leaf.leaf_id, request.shard)]
    generate, fresh = _split_fresh(config, mine, request.force)
    removals: tuple[str, ...] = ()
    if not request.paths:
        # A full run also drops data whose leaf no longer exists (deleted, or renamed outside
        # git's view); a renamed leaf is regenerated from the cache at no cost.
        known = {leaf.leaf_id for leaf in loaded}
        removals = tuple(
            leaf_id
            for leaf_id in dataset.stored_leaf_ids(config)
            if leaf_id not in known and in_shard(leaf_id, request.shard)
        )
    return Plan(
        tuple(generate),
        tuple(fresh),
        removals=removals,
        other_shards=len(loaded) - len(mine),
    )


def _plan_changed(config: Config, request: Request) -> Plan:
    changeset = changes.changed_leaves(config, request.base)
    candidates: list[Leaf] = []
    metadata_only: list[str] = []
    moves: list[tuple[str, str]] = []
    removals: list[str] = []
    skipped = 0
    for change in changeset.changes:
        if not in_shard(change.leaf_id, request.shard):
            skipped += 1
            continue
        if change.status == "deleted":
            if dataset.leaf_dir(config, change.leaf_id).exists():
                removals.append(change.leaf_id)
            continue
        old = change.old_leaf_id if change.status == "renamed" else None
        old_exists = old is not None and dataset.leaf_dir(config, old).exists()
        if not change.needs_generation:
            metadata_only.append(change.leaf_id)
            if old is not None and old_exists:
                moves.append((old, change.leaf_id))
            continue
        if old is not None and old_exists:
            removals.append(old)
        candidates.append(_load(config, config.root / change.path))
    generate, fresh = _split_fresh(config, candidates, request.force)
    return Plan(
        tuple(generate),
        tuple(fresh),
        tuple(metadata_only),
        tuple(moves),
        tuple(removals),
        skipped,
    )


def _load(config: Config, path: Path) -> Leaf:
    leaf_id = leaves.leaf_id_of(config, path)
    if leaf_id is None or leaf_id.split("/", 1)[0] not in BRANCHES:
        raise LabtaxError(
            "not a leaf of the taxonomy: generated data is stored by leaf path",
            hint=f"pass leaves under {config.rel(config.taxonomy)}/{{{','.join(BRANCHES)}}}/",
            location=Location(config.rel(path)),
        )
    try:
        return leaves.load_file(config, path)
    except yamldoc.LoadProblem as problem:
        raise LabtaxError(
            f"cannot generate from an invalid leaf: {problem.message}",
            hint=problem.hint or "run `labtax validate` and fix the leaf first",
            location=Location(config.rel(path), problem.line, problem.col),
        ) from problem


def _split_fresh(
    config: Config, candidates: Sequence[Leaf], force: bool
) -> tuple[list[Leaf], list[str]]:
    generate: list[Leaf] = []
    fresh: list[str] = []
    for leaf in sorted(candidates, key=lambda leaf: leaf.leaf_id):
        if not force and dataset.freshness(config, leaf) == "fresh":
            fresh.append(leaf.leaf_id)
        else:
            generate.append(leaf)
    return generate, fresh


# ---------------------------------------------------------------------------------------------
# Estimating


def estimated_calls(leaf: Leaf, samples: int) -> int:
    """An upper bound on the teacher calls a leaf's pipeline makes (every candidate passing)."""
    if leaf.kind is LeafKind.KNOWLEDGE:
        return 2 * samples  # one pair-writing call per chunk, one judge call per pair
    if leaf.kind is LeafKind.GROUNDED_SKILL:
        contexts = math.ceil(samples / QUESTIONS_PER_CONTEXT)
        return len(split(contexts, CONTEXTS_PER_CALL)) + contexts + 3 * samples
    return len(split(samples, QUESTIONS_PER_CALL)) + 3 * samples


def representative_messages(leaf: Leaf, samples: int) -> list[dict[str, str]]:
    """The leaf's largest typical prompt (the one carrying its seed examples), for estimates."""
    if leaf.kind is LeafKind.KNOWLEDGE:
        return knowledge.qa_messages(
            leaf,
            format_examples(knowledge_examples(leaf)),
            "x" * documents.MAX_CHUNK_TOKENS * documents.CHARS_PER_TOKEN,
            min(samples, 5),
            (1, 1),
        )
    return render(
        "skill_answer",
        {
            "task": str(leaf.data.get("task_description") or ""),
            "examples": format_examples(skill_examples(leaf)),
            "question": "?",
        },
        {"using_context": ""},
    )


@dataclass(frozen=True)
class Estimate:
    leaf_id: str
    kind: str
    calls: int
    prompt_tokens: int
    cost_usd: float | None


def estimate(plan_: Plan, samples: int) -> list[Estimate]:
    """Calls and prompt tokens per leaf to generate (cost is filled in by `price`)."""
    out = []
    for leaf in plan_.generate:
        calls = estimated_calls(leaf, samples)
        tokens = estimate_tokens(representative_messages(leaf, samples))
        out.append(Estimate(leaf.leaf_id, leaf.kind.value, calls, calls * tokens, None))
    return out


async def price(estimates: Sequence[Estimate], plan_: Plan, config: Config) -> list[Estimate]:
    """Estimates with an upper-bound cost from litellm's price table (None: price unknown)."""
    transport = LitellmTransport(config.teacher)
    out = []
    for item, leaf in zip(estimates, plan_.generate, strict=True):
        per_call = await transport.estimate_cost(
            representative_messages(leaf, config.teacher.samples_per_leaf)
        )
        cost = None if per_call is None else per_call * item.calls
        out.append(Estimate(item.leaf_id, item.kind, item.calls, item.prompt_tokens, cost))
    return out


# ---------------------------------------------------------------------------------------------
# Running


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


@dataclass
class _Run:
    config: Config
    teacher: Teacher
    settings: Settings
    on_leaf: Callable[[LeafResult], None] | None
    store: documents.DocumentStore
    gate: PriorityGate
    templates: dict[str, str] = field(default_factory=template_hashes)

    async def leaf(self, leaf: Leaf, priority: int) -> LeafResult:
        caller = Caller(self.teacher, gate=self.gate, priority=priority)
        try:
            result = await self._generate(leaf, caller)
        except BudgetExceeded as exc:
            why = f"{exc.message}; {exc.hint}" if exc.hint else exc.message
            result = LeafResult(leaf.leaf_id, "unfinished", calls=caller.usage.calls, message=why)
        except LabtaxError as exc:
            result = LeafResult(
                leaf.leaf_id, "failed", calls=caller.usage.calls, message=exc.render()
            )
        if self.on_leaf is not None:
            self.on_leaf(result)
        return result

    async def _generate(self, leaf: Leaf, caller: Caller) -> LeafResult:
        allowed = leaf.text
        if leaf.kind is LeafKind.KNOWLEDGE:
            files = await self.store.files(leaf)
            allowed += "\n" + documents.full_text(files)
            budget = documents.chunk_budget(
                documents.DEFAULT_CONTEXT_TOKENS,
                self.config.teacher.max_tokens,
                estimate_tokens(
                    knowledge.qa_messages(
                        leaf, format_examples(knowledge_examples(leaf)), "", 5, (1, 1)
                    )
                ),
            )
            chunks = documents.chunk(files, budget)
            outcome = await knowledge.run(leaf, caller, self.settings, chunks)
        elif leaf.kind is LeafKind.GROUNDED_SKILL:
            outcome = await grounded.run(leaf, caller, self.settings)
        else:
            outcome = await freeform.run(leaf, caller, self.settings)
        kept, rejected = filter_outcome(leaf, outcome, allowed)
        manifest = self._manifest(leaf, outcome, kept, rejected, caller)
        directory = dataset.leaf_dir(self.config, leaf.leaf_id)
        try:
            await asyncio.to_thread(dataset.write_leaf, directory, kept, rejected, manifest)
        except OSError as exc:
            raise LabtaxError(
                f"cannot write generated data: {exc.strerror or exc}",
                hint="check free space and permissions; the leaf's previous data is unchanged",
                location=Location(self.config.rel(directory)),
            ) from exc
        return LeafResult(leaf.leaf_id, "generated", len(kept), len(rejected), caller.usage.calls)

    def _manifest(
        self,
        leaf: Leaf,
        outcome: Outcome,
        kept: Sequence[Sample],
        rejected: Sequence[Rejection],
        caller: Caller,
    ) -> dataset.Manifest:
        teacher = self.config.teacher
        usage = caller.usage
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
                self.settings.samples,
            ),
            templates=self.templates,
            counts=dataset.SampleCounts(
                candidates=len(kept) + len(rejected),
                kept=len(kept),
                rejected=len(rejected),
                rejected_by_reason=dict(Counter(r.reason for r in rejected)),
            ),
            usage=Usage(
                calls=usage.calls,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                cost_usd=usage.cost_usd,
            ),
        )


def filter_outcome(
    leaf: Leaf, outcome: Outcome, allowed_text: str
) -> tuple[list[Sample], list[Rejection]]:
    """Run the quality filters over a pipeline's candidates; everything dropped stays as data."""
    seeds = [
        filters.Seed(question, answer, example.context)
        for example in (
            knowledge_examples(leaf) if leaf.kind is LeafKind.KNOWLEDGE else skill_examples(leaf)
        )
        for question, answer in example.pairs
    ]
    by_key: dict[str, Sample] = {}
    seen: Counter[str] = Counter()
    candidates = []
    for sample in outcome.candidates:
        # Identical samples share an id; a suffix keeps their keys apart (the filter rejects all
        # but the first as exact duplicates).
        key = f"{sample.id}.{seen[sample.id]}"
        seen[sample.id] += 1
        by_key[key] = sample
        candidates.append(filters.Candidate(key, sample.question, sample.answer, sample.context))
    kept, dropped = filters.apply(
        candidates,
        seeds=seeds,
        allowed_text=allowed_text,
        context_scoped=leaf.kind is LeafKind.GROUNDED_SKILL,
    )
    rejected = list(outcome.rejected)
    for item in dropped:
        sample = by_key[item.key]
        detail = item.detail
        if item.reason == filters.PII:
            # Never store the personal data itself, not even in the rejection record.
            sample = Sample(
                sample.leaf,
                sample.kind,
                None if sample.context is None else filters.redact(sample.context, allowed_text),
                filters.redact(sample.question, allowed_text),
                filters.redact(sample.answer, allowed_text),
                sample.score,
            )
        rejected.append(sample.reject(item.stage, item.reason, detail))
    return [by_key[c.key] for c in kept], rejected


async def run(
    config: Config,
    plan_: Plan,
    teacher: Teacher,
    *,
    samples: int | None = None,
    on_leaf: Callable[[LeafResult], None] | None = None,
) -> Summary:
    """Execute `plan_`: move and remove data, then generate every leaf concurrently."""
    moved = tuple(
        (old, new)
        for old, new in plan_.moves
        if dataset.move_leaf(config, old, new, _kind_of(config, new))
    )
    removed = tuple(leaf_id for leaf_id in plan_.removals if dataset.remove_leaf(config, leaf_id))
    concurrency = max(1, config.teacher.concurrency)
    state = _Run(
        config,
        teacher,
        Settings(samples or config.teacher.samples_per_leaf),
        on_leaf,
        documents.DocumentStore(config),
        # Twice the teacher's bound, so calls waiting out a retry delay leave the teacher busy.
        PriorityGate(2 * concurrency),
    )
    results = await asyncio.gather(
        *(state.leaf(leaf, index) for index, leaf in enumerate(plan_.generate))
    )
    unfinished = [r for r in results if r.status == "unfinished"]
    budget_message = unfinished[0].message if unfinished else ""
    return Summary(tuple(results), moved, removed, budget_message)


def _kind_of(config: Config, leaf_id: str) -> str:
    path = config.taxonomy.joinpath(*leaf_id.split("/"), leaves.LEAF_NAME)
    try:
        return leaves.load_file(config, path).kind.value
    except yamldoc.LoadProblem:
        return leaves.kind_of(leaf_id, {}).value

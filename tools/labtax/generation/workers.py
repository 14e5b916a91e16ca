"""Generation over several processes: leaves spread over N workers that share the response cache,
share one budget exactly and report to the parent.

A client's CPU per teacher call (litellm's share above all) caps one process at a few hundred
calls a second, whatever the concurrency; workers let that scale with cores. Each worker is a fork
of the parent taken before any event loop runs, so it inherits the configuration, the plan's
leaves and the teacher as they are, with nothing pickled, and litellm, which the parent imports
once before forking. Leaves are dealt round robin in plan order; each worker runs
`run.run_leaves` over its share with its part of the concurrency and writes each leaf as a single
process does, so the output is byte-identical whatever the number of workers.

The parent holds the run's one `budget.Spending`. With a limit, a worker's budget is an
`_Remote` account that asks the parent over its pipe for each leaf's allowance (and for a call
past it) and reports what each leaf used, so one budget bounds all workers exactly; without one,
nothing crosses the pipe but results. Workers report each finished leaf and, five times a second,
the usage since their last report, which the parent adds to its teacher's total. A worker that
dies is noticed by its pipe closing: its unreported leaves fail with the reason, and what it had
reserved counts as spent.

The response cache is safe to share: entries are linked into place whole, the first writer of a
key wins and later writers get its answer (`labtax.cache`). Remote document repositories are
fetched by the parent before forking, so workers never fetch into one mirror at once.

One piece (just over 400 lines) because it holds both ends of one pipe protocol: what a worker
sends and what the parent answers are read together.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import multiprocessing
import os
import resource
import signal
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from typing import Any

from labtax.budget import Account, Budget, BudgetExceeded, Spending
from labtax.config import Config
from labtax.generation.plan import Plan
from labtax.generation.prefetch import prefetch
from labtax.generation.run import LeafResult, RunSummary, prepare, run_leaves, summarise
from labtax.leaves import Leaf
from labtax.teacher import Teacher
from labtax.transport import LitellmTransport, import_litellm
from labtax.usage import Usage

# A worker pays for its own start (and litellm's import on its first call): below this many
# leaves per worker, another one costs more than it saves.
LEAVES_PER_WORKER = 32
REPORT_EVERY_S = 0.2

Message = tuple[Any, ...]


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity (macOS)
        return os.cpu_count() or 1


def default_workers(leaves: int) -> int:
    """Workers for `leaves` leaves when none are asked for: one per LEAVES_PER_WORKER leaves, at
    most one per core."""
    return max(1, min(available_cores(), math.ceil(leaves / LEAVES_PER_WORKER)))


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    leaves: list[tuple[int, Leaf]]
    reported: set[str] = field(default_factory=set)
    done: bool = False
    # Reservations the parent holds for this worker: allowances (calls, cost) and single calls.
    allowances: list[tuple[int, float]] = field(default_factory=list)
    singles: list[float] = field(default_factory=list)
    # The worker's peak resident memory, as it reported at its end (0 until then).
    peak_rss_kib: int = 0


class WorkerPool:
    """Worker processes generating a plan's leaves; `start` forks them, `run` collects them."""

    def __init__(
        self,
        config: Config,
        teacher: Teacher,
        workers: list[_Worker],
        moved: tuple[tuple[str, str], ...],
        removed: tuple[str, ...],
        *,
        early: Sequence[tuple[int, LeafResult]] = (),
    ) -> None:
        self.config = config
        self.teacher = teacher
        self.workers = workers
        self.moved = moved
        self.removed = removed
        # Leaves that failed before any worker started (their documents), with their places.
        self.early = list(early)

    @classmethod
    def start(
        cls,
        config: Config,
        plan: Plan,
        teacher: Teacher,
        *,
        workers: int,
        fetch_documents: bool = True,
    ) -> WorkerPool:
        """Move and remove data, fetch remote documents (unless `fetch_documents` is False: then
        they are in their mirrors already), then fork `workers` processes that only read them.
        Must be called with no event loop running (a fork inherits none then)."""
        moved, removed = prepare(config, plan)
        refused: dict[str, str] = {}
        if fetch_documents:
            # Workers only read mirrors: a leaf whose documents cannot be had fails here.
            fetched = asyncio.run(prefetch(config, plan))
            refused = {item.leaf_id: item.message for item in fetched if not item.ok}
        if isinstance(teacher.transport, LitellmTransport):
            # Seconds of CPU: paid once here, and every worker shares the pages, rather than
            # each worker importing it on its first call.
            import_litellm()
        indexed = [(i, leaf) for i, leaf in enumerate(plan.generate) if leaf.leaf_id not in refused]
        early = [
            (i, LeafResult(leaf.leaf_id, "failed", message=refused[leaf.leaf_id]))
            for i, leaf in enumerate(plan.generate)
            if leaf.leaf_id in refused
        ]
        count = min(workers, len(indexed))
        share = replace(
            config,
            teacher=replace(
                config.teacher, concurrency=math.ceil(config.teacher.concurrency / max(1, count))
            ),
        )
        context = multiprocessing.get_context("fork")
        started: list[_Worker] = []
        try:
            for k in range(count):
                mine = indexed[k::count]
                parent_end, child_end = context.Pipe()
                process = context.Process(
                    target=_work,
                    args=(child_end, share, teacher, mine),
                    name=f"labtax-generate-{k + 1}",
                    daemon=True,
                )
                process.start()
                child_end.close()
                started.append(_Worker(process, parent_end, mine))
        except BaseException:
            _stop(started)
            raise
        return cls(config, teacher, started, moved, removed, early=early)

    async def run(self, on_leaf: Callable[[LeafResult], None] | None = None) -> RunSummary:
        """Serve the workers' budget requests and collect their leaves until all have ended."""
        loop = asyncio.get_running_loop()
        self.teacher.spending.bind_loop(loop)
        collector = _Collector(self.teacher, on_leaf, loop.create_future())
        for _, result in self.early:
            collector.result(result)
        for worker in self.workers:
            loop.add_reader(worker.conn.fileno(), collector.readable, worker, self.workers)
        try:
            if self.workers:
                await collector.finished
            await asyncio.gather(*collector.tasks)
        finally:
            for worker in self.workers:
                with contextlib.suppress(ValueError, OSError):
                    loop.remove_reader(worker.conn.fileno())
            _stop(self.workers)
        ranked = sorted(
            [(index, leaf.leaf_id) for w in self.workers for index, leaf in w.leaves]
            + [(index, result.leaf_id) for index, result in self.early]
        )
        results = [collector.results[leaf_id] for _, leaf_id in ranked]
        return summarise(results, self.moved, self.removed)


@dataclass
class _Collector:
    """The parent's side of the pipes: results, usage reports and budget requests."""

    teacher: Teacher
    on_leaf: Callable[[LeafResult], None] | None
    finished: asyncio.Future[None]
    results: dict[str, LeafResult] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def readable(self, worker: _Worker, everyone: Sequence[_Worker]) -> None:
        while True:
            try:
                if not worker.conn.poll():
                    return
                message = worker.conn.recv()
            except (EOFError, OSError):
                self._ended(worker, everyone)
                return
            if message[0] == "leaf":
                worker.reported.add(message[1].leaf_id)
                self.result(message[1])
            elif message[0] == "usage":
                self.teacher.absorb(message[1])
            elif message[0] == "peak":
                worker.peak_rss_kib = message[1]
            else:
                self._start(_serve(self.teacher.spending, worker, message))

    def result(self, result: LeafResult) -> None:
        self.results[result.leaf_id] = result
        if self.on_leaf is not None:
            self.on_leaf(result)

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _ended(self, worker: _Worker, everyone: Sequence[_Worker]) -> None:
        asyncio.get_running_loop().remove_reader(worker.conn.fileno())
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        for _, leaf in worker.leaves:
            if leaf.leaf_id not in worker.reported:
                why = f"the worker process generating it ended with exit code {code}"
                self.result(LeafResult(leaf.leaf_id, "failed", message=f"error: {why}"))
        # What it had reserved counts as spent: nobody knows what it sent.
        spending = self.teacher.spending
        for calls, cost in worker.allowances:
            self._start(spending.release(calls, cost, calls, cost))
        for estimate in worker.singles:
            self._start(spending.settle(estimate, estimate))
        worker.allowances, worker.singles = [], []
        worker.done = True
        if all(w.done for w in everyone) and not self.finished.done():
            self.finished.set_result(None)


async def _serve(spending: Account, worker: _Worker, message: Message) -> None:
    """One budget request of a worker, answered on its pipe."""
    kind, ident, *args = message
    try:
        if kind == "grant":
            priority, calls, cost = args
            await spending.grant(priority, calls, cost)
            worker.allowances.append((calls, cost))
        elif kind == "reserve":
            estimate, in_group = args
            await spending.reserve(estimate, in_group=in_group)
            worker.singles.append(estimate)
        elif kind == "release":
            calls, cost, used_calls, used_cost = args
            worker.allowances.remove((calls, cost))
            await spending.release(calls, cost, used_calls, used_cost)
            return
        elif kind == "settle":
            estimate, cost = args
            worker.singles.remove(estimate)
            await spending.settle(estimate, cost)
            return
    except BudgetExceeded as exc:
        _send(worker.conn, ("refused", ident, exc.message, exc.hint))
        return
    _send(worker.conn, ("ok", ident))


def _send(conn: Connection, message: Message) -> None:
    with contextlib.suppress(OSError, ValueError):
        conn.send(message)


def _stop(workers: Sequence[_Worker]) -> None:
    for worker in workers:
        if worker.process.is_alive():
            worker.process.terminate()
    for worker in workers:
        worker.process.join(timeout=10)
        with contextlib.suppress(OSError):
            worker.conn.close()


# ---------------------------------------------------------------------------------------------
# Inside a worker


def _work(
    conn: Connection,
    config: Config,
    teacher: Teacher,
    leaves: list[tuple[int, Leaf]],
) -> None:
    # A Ctrl-C reaches the whole process group: the parent stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    teacher.config = config.teacher
    budget = teacher.budget
    teacher.spending = _Remote(conn, budget) if budget.limited else Spending(Budget())
    asyncio.run(_work_async(conn, config, teacher, leaves))
    conn.close()


async def _work_async(
    conn: Connection,
    config: Config,
    teacher: Teacher,
    leaves: list[tuple[int, Leaf]],
) -> None:
    reported = teacher.usage

    def report() -> None:
        nonlocal reported
        now = teacher.usage
        delta = _minus(now, reported)
        if delta != Usage():
            conn.send(("usage", delta))
            reported = now

    async def ticker() -> None:
        while True:
            await asyncio.sleep(REPORT_EVERY_S)
            report()

    ticking = asyncio.create_task(ticker())
    try:
        await run_leaves(
            config,
            teacher,
            leaves,
            on_leaf=lambda result: conn.send(("leaf", result)),
            fetch_documents=False,
        )
    finally:
        ticking.cancel()
        report()
        conn.send(("peak", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def _minus(total: Usage, before: Usage) -> Usage:
    """What `total` added to `before` (the cost too, while both are known)."""
    cost = (
        None
        if total.cost_usd is None or before.cost_usd is None
        else round(total.cost_usd - before.cost_usd, 10)
    )
    return Usage(
        total.calls - before.calls,
        total.cached_calls - before.cached_calls,
        total.prompt_tokens - before.prompt_tokens,
        total.completion_tokens - before.completion_tokens,
        cost,
        total.cached_prompt_tokens - before.cached_prompt_tokens,
    )


class _Remote:
    """The parent's `Spending`, seen from a worker: each request crosses the pipe."""

    def __init__(self, conn: Connection, budget: Budget) -> None:
        self._conn = conn
        self._budget = budget
        self._ids = itertools.count()
        self._replies: dict[int, asyncio.Future[Message]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def budget(self) -> Budget:
        return self._budget

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:
            self._loop = loop
            self._replies = {}
            loop.add_reader(self._conn.fileno(), self._readable)

    def _readable(self) -> None:
        while self._conn.poll():
            reply = self._conn.recv()
            future = self._replies.pop(reply[1], None)
            if future is not None and not future.done():
                future.set_result(reply)

    async def _ask(self, *message: object) -> None:
        assert self._loop is not None  # noqa: S101 - bound before any call
        ident = next(self._ids)
        future: asyncio.Future[Message] = self._loop.create_future()
        self._replies[ident] = future
        self._conn.send((message[0], ident, *message[1:]))
        reply = await future
        if reply[0] == "refused":
            raise BudgetExceeded(reply[2], hint=reply[3])

    async def reserve(self, estimate: float, *, in_group: bool = False) -> None:
        await self._ask("reserve", estimate, in_group)

    async def settle(self, estimate: float, cost: float | None) -> None:
        self._conn.send(("settle", -1, estimate, cost))

    async def grant(self, priority: int, calls: int, cost: float) -> None:
        await self._ask("grant", priority, calls, cost)

    async def release(self, calls: int, cost: float, used_calls: int, used_cost: float) -> None:
        self._conn.send(("release", -1, calls, cost, used_calls, used_cost))

"""The teacher's policy: cached, shared, budgeted, retried and paced chat completions.

`Teacher` answers a request from the response cache when it can, shares one call between identical
requests in flight, reserves budget before anything is sent (`BudgetExceeded` never costs a call),
retries transient failures with backoff and jitter (a server's Retry-After is a floor), bounds and
paces concurrent calls, and binds its asyncio primitives to whichever event loop runs it. Sending
is a `Transport`'s job (`labtax.transport`): tests plug in a plain async one, `make_teacher` the
litellm adapter, whose retries are switched off so that this policy is the only one.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtax.cache import Answer, ResponseCache, request_key
from labtax.config import TeacherConfig
from labtax.errors import LabtaxError, Location
from labtax.prompts import Message
from labtax.transport import (
    CallParams,
    LitellmTransport,
    TeacherError,
    TransientError,
    Transport,
)
from labtax.usage import Usage, UsageMeter

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Completion:
    """One answer as the pipelines see it; `cached` is true when no call was made for it.

    `request` is the response-cache key of the request: the teacher owns how it is computed, and
    a sample records it as the provenance of each call it came from.
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    cached: bool
    request: str
    cached_prompt_tokens: int = 0


@dataclass(frozen=True)
class Budget:
    """Limits on what one run may spend; None means unlimited. Cached answers are free."""

    max_cost_usd: float | None = None
    max_calls: int | None = None


class BudgetExceeded(LabtaxError):  # noqa: N818 - the name the design gives it
    """The next call would go over the budget; raised before it is sent, nothing was spent on it."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; a server's Retry-After is a floor, not a suggestion."""

    retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait after attempt number `attempt` (0-based) failed, before the next one."""
        backoff = min(self.max_delay, self.base_delay * (2**attempt))
        # "Equal jitter": never less than half the backoff, so retries still spread out in time.
        jittered: float = backoff / 2 + rng.uniform(0, backoff / 2)
        if retry_after is None:
            return jittered
        floor = min(max(retry_after, 0.0), self.max_retry_after)
        # A little jitter on top of the server's floor stops every waiting call waking at once.
        floored: float = floor * (1 + rng.uniform(0, 0.1))
        return max(floored, jittered)


class Teacher:
    """Answers chat requests from the cache or the transport, within the budget and concurrency."""

    def __init__(
        self,
        config: TeacherConfig,
        transport: Transport,
        *,
        cache: ResponseCache | None,
        budget: Budget | None = None,
        policy: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        spending: Spending | None = None,
    ) -> None:
        self.config = config
        self.transport = transport
        self.cache = cache
        # A run with two teachers (a student and its judge) shares one `Spending`, so one budget
        # bounds both; otherwise each teacher has its own.
        self.spending = spending or Spending(budget)
        self.policy = policy or RetryPolicy(retries=config.retries)
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        # This teacher's total: calls sent, with their tokens and cost, and answers served without.
        self._meter = UsageMeter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(max(1, config.concurrency))
        self._inflight: dict[str, asyncio.Future[Answer]] = {}
        self._pacer = Pacer()

    @property
    def budget(self) -> Budget:
        return self.spending.budget

    def _bind_loop(self) -> None:
        # asyncio primitives belong to one event loop; a teacher reused by a later asyncio.run()
        # (tests, `--dry-run` then a run) gets fresh ones. Usage carries over.
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._slots = asyncio.Semaphore(max(1, self.config.concurrency))
            self._inflight = {}
            self._pacer = Pacer()
        self.spending.bind_loop(loop)

    @property
    def usage(self) -> Usage:
        """What this run spent: `calls` went to the teacher, `cached_calls` were answered without a
        call. Tokens and cost count the calls sent; `cost_usd` is None once one had no price."""
        return self._meter.usage

    @property
    def default_params(self) -> CallParams:
        """The configured temperature and answer limit, for calls that ask for nothing else."""
        return CallParams(self.config.temperature, self.config.max_tokens)

    async def estimate_cost(
        self, messages: Sequence[Message], params: CallParams | None = None
    ) -> float | None:
        """An upper bound on what sending `messages` would cost (None: price unknown)."""
        return await self.transport.estimate_cost(messages, params or self.default_params)

    def request(self, messages: Sequence[Message], params: CallParams) -> dict[str, Any]:
        """Everything that determines the answer: the cache key material."""
        return {
            "max_tokens": params.max_tokens,
            "messages": [dict(m) for m in messages],
            "model": self.config.model,
            "seed": self.config.seed,
            "temperature": params.temperature,
        }

    async def complete(
        self, messages: Sequence[Message], *, stage: str, params: CallParams | None = None
    ) -> Completion:
        """The answer to `messages` sent with `params` (default: the configured ones); `stage`
        names the pipeline step for error messages."""
        self._bind_loop()
        call = params or self.default_params
        key = request_key(self.request(messages, call))
        if self.cache is not None:
            stored = self.cache.get(key)
            if stored is not None:
                self._count_cached()
                return _completion(stored, key, cached=True)
        running = self._inflight.get(key)
        if running is not None:
            # The same request is already on its way: share its answer rather than pay twice
            # (and, with a sampling teacher, get two different answers for one cache entry).
            await asyncio.wait([running])
            if running.cancelled():
                # Its caller was cancelled, not us: ask again ourselves.
                return await self.complete(messages, stage=stage, params=call)
            answer = running.result()
            self._count_cached()
            return _completion(answer, key, cached=True)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            answer = await self._call(messages, stage, call)
            if self.cache is not None:
                self._store(key, answer)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            # Waiters re-raise it; without one, asyncio would warn that nobody retrieved it.
            future.exception()
            raise
        else:
            future.set_result(answer)
        finally:
            del self._inflight[key]
        return _completion(answer, key, cached=False)

    def _store(self, key: str, answer: Answer) -> None:
        assert self.cache is not None  # noqa: S101 - callers check
        try:
            self.cache.put(key, answer)
        except OSError as exc:
            raise LabtaxError(
                f"cannot write the response cache: {exc}",
                hint="set LABTAX_CACHE_DIR (or [tool.labtax] cache_dir) to a writable directory",
                location=Location(str(self.cache.directory)),
            ) from exc

    async def _call(self, messages: Sequence[Message], stage: str, params: CallParams) -> Answer:
        estimate = await self._admit(messages, params)
        try:
            answer = await self._send_with_retries(messages, stage, params)
        except BaseException:
            await self._settle(estimate, None)
            raise
        await self._settle(estimate, answer)
        return answer

    async def _admit(self, messages: Sequence[Message], params: CallParams) -> float:
        """Reserve budget for one call (priced first when there is a cost limit)."""
        estimate = 0.0
        if self.budget.max_cost_usd is not None:
            priced = await self.transport.estimate_cost(messages, params)
            if priced is None:
                raise BudgetExceeded(
                    f"cannot enforce a cost limit: no price is known for {self.config.model!r}",
                    hint="use a call limit (--max-calls), or a model litellm knows the price of",
                )
            estimate = priced
        await self.spending.reserve(estimate)
        return estimate

    async def _settle(self, estimate: float, answer: Answer | None) -> None:
        if answer is not None:
            self._meter.add(
                answer.prompt_tokens,
                answer.completion_tokens,
                answer.cost_usd,
                cached=False,
                cached_prompt_tokens=answer.cached_prompt_tokens,
            )
        await self.spending.settle(estimate, None if answer is None else answer.cost_usd or 0.0)

    async def _send_with_retries(
        self, messages: Sequence[Message], stage: str, params: CallParams
    ) -> Answer:
        attempts = self.policy.retries + 1
        for attempt in range(attempts):
            try:
                async with self._slots:
                    await self._pacer.wait()
                    answer = await self.transport.send(messages, attempt, params)
            except TransientError as exc:
                if attempt + 1 >= attempts:
                    raise TeacherError(
                        f"teacher call for stage {stage!r} failed after {attempts} attempts: {exc}",
                        hint="check the teacher server, or raise [tool.labtax.teacher] retries"
                        " / timeout",
                    ) from exc
                # The slot is free while we wait, so other calls keep the server busy.
                await self._sleep(self.policy.delay(attempt, exc.retry_after, self._rng))
            else:
                self._pacer.done()
                return answer
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _count_cached(self) -> None:
        # This run paid nothing for it: the run total keeps tokens and cost for calls sent.
        self._meter.add(0, 0, 0.0, cached=True)


class Spending:
    """What a run has spent and may still spend: calls sent and their cost, against a `Budget`.

    Calls admitted past the check and not finished yet are reserved with their cost estimates, so
    concurrent calls never overshoot together; a call that fails gives its reservation back.
    """

    def __init__(self, budget: Budget | None = None) -> None:
        self.budget = budget or Budget()
        self.calls = 0
        # What the calls sent have cost so far (answers without a price count as free here).
        self.spent_usd = 0.0
        self._pending_calls = 0
        self._pending_cost = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed = asyncio.Condition()

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Fresh asyncio primitives for a new event loop; what was spent carries over."""
        if loop is not self._loop:
            self._loop = loop
            self._changed = asyncio.Condition()
            self._pending_calls = 0
            self._pending_cost = 0.0

    async def reserve(self, estimate: float) -> None:
        """Reserve one call costing up to `estimate`, waiting for running calls to settle when
        that could help; `BudgetExceeded` when it cannot fit."""
        limit_calls = self.budget.max_calls
        limit_cost = self.budget.max_cost_usd
        async with self._changed:
            while True:
                calls, spent = self.calls, self.spent_usd
                if limit_calls is not None and calls + 1 > limit_calls:
                    raise BudgetExceeded(f"call budget reached: {calls} of {limit_calls} used")
                if limit_cost is not None and spent + estimate > limit_cost:
                    raise BudgetExceeded(
                        f"cost budget reached: ${spent:.4f} spent of ${limit_cost:.4f},"
                        f" the next call may cost up to ${estimate:.4f}"
                    )
                calls_ok = limit_calls is None or calls + self._pending_calls + 1 <= limit_calls
                cost_ok = limit_cost is None or spent + self._pending_cost + estimate <= limit_cost
                if calls_ok and cost_ok:
                    self._pending_calls += 1
                    self._pending_cost += estimate
                    return
                # Calls still running may finish cheaper than estimated, or fail and cost nothing.
                await self._changed.wait()

    async def settle(self, estimate: float, cost: float | None) -> None:
        """A reserved call ended: sent at `cost`, or (None) failed and cost nothing."""
        async with self._changed:
            self._pending_calls -= 1
            self._pending_cost -= estimate
            if cost is not None:
                self.calls += 1
                self.spent_usd += cost
            self._changed.notify_all()


class Pacer:
    """Spaces out the start of calls by the CPU time one call costs this process.

    All calls started together come back together, and the event loop then serves their
    responses round-robin, so they all finish late and start their next calls together again:
    against a server with steady latency the burst never dissolves, and throughput falls to
    concurrency / (latency + concurrency x CPU per call). Starting calls no faster than the
    process can handle their answers turns the bursts into a steady stream.
    """

    WINDOW = 32

    def __init__(self, initial_gap: float = 0.003, max_gap: float = 0.02) -> None:
        self.gap = initial_gap
        self.max_gap = max_gap
        self._next = 0.0
        self._done = 0
        self._cpu = time.process_time()

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        start = max(now, self._next)
        self._next = start + self.gap
        if start > now:
            await asyncio.sleep(start - now)

    def done(self) -> None:
        """Count a finished call; every WINDOW calls, re-measure the CPU time they cost."""
        self._done += 1
        if self._done >= self.WINDOW:
            cpu = time.process_time()
            self.gap = min(self.max_gap, (cpu - self._cpu) / self._done)
            self._cpu, self._done = cpu, 0


def _completion(answer: Answer, key: str, *, cached: bool) -> Completion:
    return Completion(
        answer.text,
        answer.prompt_tokens,
        answer.completion_tokens,
        answer.cost_usd,
        cached,
        key,
        answer.cached_prompt_tokens,
    )


def make_teacher(
    config: TeacherConfig,
    cache_dir: Path,
    budget: Budget | None = None,
    *,
    spending: Spending | None = None,
) -> Teacher:
    """The teacher for a run: litellm behind our cache, budget, retries and concurrency bound.

    Teachers given the same `spending` share one budget (its own `budget` is then unused)."""
    return Teacher(
        config,
        LitellmTransport(config),
        cache=ResponseCache(cache_dir),
        budget=budget or Budget(),
        spending=spending,
    )

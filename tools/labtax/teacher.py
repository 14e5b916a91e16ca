"""The teacher's policy: cached, shared, budgeted, retried and paced chat completions.

`Teacher` answers a request from the response cache when it can, shares one call between identical
requests in flight, reserves budget before anything is sent (`BudgetExceeded` never costs a call;
`labtax.budget`), retries transient failures with backoff and jitter (a server's Retry-After is a
floor), asks again with a larger answer limit when an answer was cut at the limit, bounds and
paces concurrent calls, and binds its asyncio primitives to whichever event loop runs it. Once the
server proved unreachable, every further call fails at once with the same error, so a run names
the URL once rather than once per leaf. Sending is a `Transport`'s job (`labtax.transport`): tests
plug in a plain async one, `make_teacher` the litellm adapter, whose retries are switched off so
that this policy is the only one.

Cache writes run on a worker thread: creating a file can block for a millisecond on a busy disk,
which the event loop would otherwise spend waiting instead of serving other calls' answers.

One piece (over 400 lines) because the policy is one path through one call -- cache, sharing,
budget, retries, cut answers, pacing -- whose steps hold each other's state; what could stand
alone already does (`budget`, `cache`, `transport`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtax.budget import Account, Allowance, Budget, BudgetExceeded, Spending, no_price
from labtax.cache import Answer, ResponseCache, request_key
from labtax.config import TeacherConfig
from labtax.errors import LabtaxError, Location
from labtax.prompts import Message
from labtax.transport import (
    CallParams,
    LitellmTransport,
    PromptPrices,
    TeacherError,
    TransientError,
    Transport,
    Unreachable,
)
from labtax.usage import Usage, UsageMeter

__all__ = [
    "Budget",
    "BudgetExceeded",
    "Completion",
    "EmptyAnswer",
    "Pacer",
    "RetryPolicy",
    "Spending",
    "Teacher",
    "TruncatedAnswer",
    "make_teacher",
]

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


class TruncatedAnswer(TeacherError):  # noqa: N818 - named for what the pipelines record
    """Every answer stopped at the answer limit, even after the limit was raised as far as the
    policy allows. Pipelines record the candidate as a `truncated` rejection; `text` is the last
    cut answer, never cached."""

    reason = "truncated"

    def __init__(self, stage: str, max_tokens: int, text: str, role: str = "teacher") -> None:
        super().__init__(
            f"the {role}'s answer for stage {stage!r} was cut at the answer limit, even at"
            f" {max_tokens} tokens",
            hint="raise [tool.labtax.teacher] max_tokens (or the stage's own limit)",
        )
        self.stage = stage
        self.max_tokens = max_tokens
        self.text = text


class EmptyAnswer(TeacherError):  # noqa: N818 - named for what the pipelines record
    """Every answer came back empty (blank content, or no choice at all), even when asked again
    as often as the policy allows. Each was a call the server billed, and was counted; pipelines
    record the candidate as an `empty` rejection, and nothing is cached."""

    reason = "empty"

    def __init__(self, stage: str, calls: int) -> None:
        super().__init__(
            f"the answer for stage {stage!r} was empty, {calls} times",
            hint="check the model and its server (a model that returns nothing at temperature 0"
            " repeats it)",
        )
        self.stage = stage


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; a server's Retry-After is a floor, not a suggestion.

    An answer cut at the answer limit is asked again with twice the limit, `truncation_retries`
    times at most (4x the call's own limit by default). An empty answer is asked again
    `empty_retries` times at most: every one is a billed call, and a model that answers nothing
    at temperature 0 or with a seed mostly does so again."""

    retries: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    truncation_retries: int = 2
    empty_retries: int = 1

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
        spending: Account | None = None,
    ) -> None:
        self.config = config
        self.transport = transport
        self.cache = cache
        # A run with two teachers (a student and its judge) shares one account, so one budget
        # bounds both; generation's worker processes share the parent's. Otherwise each teacher
        # has its own.
        self.spending: Account = spending or Spending(budget)
        self.policy = policy or RetryPolicy(retries=config.retries)
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        # This teacher's total: calls sent, with their tokens and cost, and answers served without.
        self._meter = UsageMeter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(max(1, config.concurrency))
        self._inflight: dict[str, asyncio.Future[Answer]] = {}
        self._pacer = Pacer()
        self._unreachable: TeacherError | None = None

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

    def absorb(self, usage: Usage) -> None:
        """Add what this teacher's copy in a worker process spent (generation's workers)."""
        self._meter.absorb(usage)

    @property
    def default_params(self) -> CallParams:
        """The configured temperature and answer limit, for calls that ask for nothing else."""
        return CallParams(self.config.temperature, self.config.max_tokens)

    async def estimate_cost(
        self, messages: Sequence[Message], params: CallParams | None = None
    ) -> float | None:
        """An upper bound on what sending `messages` would cost (None: price unknown)."""
        return await self.transport.estimate_cost(messages, params or self.default_params)

    async def prompt_prices(self) -> PromptPrices | None:
        """The model's prompt prices, full and from a prefix cache, when the transport knows
        them (only litellm's does)."""
        prices = getattr(self.transport, "prompt_prices", None)
        return None if prices is None else await prices()

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
                # Another process may have stored this request first: its answer is the one.
                answer = await self._store(key, answer)
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

    async def _store(self, key: str, answer: Answer) -> Answer:
        assert self.cache is not None  # noqa: S101 - callers check
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, self.cache.put, key, answer)
        except OSError as exc:
            raise LabtaxError(
                f"cannot write the response cache: {exc}",
                hint="set LABTAX_CACHE_DIR (or [tool.labtax] cache_dir) to a writable directory",
                location=Location(str(self.cache.directory)),
            ) from exc

    async def _call(self, messages: Sequence[Message], stage: str, params: CallParams) -> Answer:
        """One answer that was neither cut at its limit nor empty: a cut one is asked again with
        twice the limit, an empty one as it was; each is a call of its own (admitted, metered and
        billed). Only the complete answer is returned (and cached, under the original key)."""
        attempt, limit, doublings, empties = 0, params, 0, 0
        while True:
            answer, attempt = await self._one_call(messages, stage, limit, attempt)
            if answer.truncated:
                if doublings == self.policy.truncation_retries:
                    raise TruncatedAnswer(stage, limit.max_tokens, answer.text, self.config.role)
                doublings += 1
                limit = CallParams(limit.temperature, limit.max_tokens * 2)
            elif not answer.text.strip():
                empties += 1
                if empties > self.policy.empty_retries:
                    raise EmptyAnswer(stage, empties)
            else:
                return answer

    async def _one_call(
        self, messages: Sequence[Message], stage: str, params: CallParams, attempt: int
    ) -> tuple[Answer, int]:
        group = Allowance.current()
        estimate, drawn = await self._admit(messages, params, group)
        try:
            answer, attempt = await self._send_with_retries(messages, stage, params, attempt)
        except BaseException:
            await self._settle(estimate, drawn, group, None)
            raise
        await self._settle(estimate, drawn, group, answer)
        return answer, attempt

    async def _admit(
        self, messages: Sequence[Message], params: CallParams, group: Allowance | None
    ) -> tuple[float, bool]:
        """Reserve budget for one call (priced first when there is a cost limit): from the
        group's allowance when the call belongs to one (True) and it has room, else on its own."""
        estimate = 0.0
        if self.budget.max_cost_usd is not None:
            priced = await self.transport.estimate_cost(messages, params)
            if priced is None:
                raise no_price(self.config.model)
            estimate = priced
        if group is not None and await group.admit(self.spending, estimate):
            return estimate, True
        await self.spending.reserve(estimate, in_group=group is not None)
        return estimate, False

    async def _settle(
        self, estimate: float, drawn: bool, group: Allowance | None, answer: Answer | None
    ) -> None:
        cost = None if answer is None else answer.cost_usd or 0.0
        if answer is not None:
            self._meter.add(
                answer.prompt_tokens,
                answer.completion_tokens,
                answer.cost_usd,
                cached=False,
                cached_prompt_tokens=answer.cached_prompt_tokens,
            )
        if drawn and group is not None:
            group.settle(estimate, cost)
        else:
            await self.spending.settle(estimate, cost)

    async def _send_with_retries(
        self, messages: Sequence[Message], stage: str, params: CallParams, first: int
    ) -> tuple[Answer, int]:
        """The answer and the number of the next attempt; `first` numbers this call's attempts
        after those of earlier calls for the same request (a server may vary per attempt)."""
        attempts = self.policy.retries + 1
        for tries in range(attempts):
            if self._unreachable is not None:
                raise self._unreachable
            attempt = first + tries
            try:
                async with self._slots:
                    await self._pacer.wait()
                    answer = await self.transport.send(messages, attempt, params)
            except TransientError as exc:
                if tries + 1 >= attempts:
                    raise self._given_up(exc, stage, attempts) from exc
                # The slot is free while we wait, so other calls keep the server busy.
                await self._sleep(self.policy.delay(tries, exc.retry_after, self._rng))
            except Unreachable as exc:
                self._unreachable = exc
                raise
            else:
                self._pacer.done()
                return answer, attempt + 1
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _given_up(self, exc: TransientError, stage: str, attempts: int) -> TeacherError:
        if exc.unreachable is not None:
            # The server is not there: say so once, and fail every other call without trying.
            self._unreachable = exc.unreachable
            return exc.unreachable
        return TeacherError(
            f"{self.config.role} call for stage {stage!r} failed after {attempts} attempts: {exc}",
            hint="check the teacher server, or raise [tool.labtax.teacher] retries / timeout",
        )

    def _count_cached(self) -> None:
        # This run paid nothing for it: the run total keeps tokens and cost for calls sent.
        self._meter.add(0, 0, 0.0, cached=True)


class Pacer:
    """Spaces out the start of calls by the CPU time one call costs this process.

    All calls started together come back together, and the event loop then serves their
    responses round-robin, so they all finish late and start their next calls together again:
    against a server with steady latency the burst never dissolves, and throughput falls to
    concurrency / (latency + concurrency x CPU per call). Starting calls no faster than the
    process can handle their answers turns the bursts into a steady stream.

    `clock` (CPU seconds of this process) is injectable, and `delay(now)` is the arithmetic
    `wait()` sleeps by, so both can be tested without timing anything.
    """

    WINDOW = 32

    def __init__(
        self,
        initial_gap: float = 0.003,
        max_gap: float = 0.02,
        clock: Callable[[], float] = time.process_time,
    ) -> None:
        self.gap = initial_gap
        self.max_gap = max_gap
        self._clock = clock
        self._next = 0.0
        self._done = 0
        self._cpu = clock()

    def delay(self, now: float) -> float:
        """Seconds a call starting at `now` (event-loop time) waits for its turn; books it."""
        start = max(now, self._next)
        self._next = start + self.gap
        return start - now

    async def wait(self) -> None:
        delay = self.delay(asyncio.get_running_loop().time())
        if delay > 0:
            await asyncio.sleep(delay)

    def done(self) -> None:
        """Count a finished call; every WINDOW calls, re-measure the CPU time they cost."""
        self._done += 1
        if self._done >= self.WINDOW:
            cpu = self._clock()
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
    spending: Account | None = None,
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

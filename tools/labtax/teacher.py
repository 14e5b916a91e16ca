"""The teacher model: cached, budgeted, retried, concurrency-bounded chat completions via litellm.

This is the only module that imports litellm, and only inside functions, the first time a call
actually has to go out: a rerun served entirely from the cache never pays litellm's import.

Policy lives here rather than in litellm (whose own retries are switched off) so that it is
testable with a plain async transport: `Teacher` takes any `Transport`, and `make_teacher` plugs in
`LitellmTransport`, which talks to one `api_base` directly or to several through litellm's Router.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import os
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol

from labtax.cache import Answer, ResponseCache, request_key
from labtax.config import TeacherConfig
from labtax.errors import LabtaxError, Location

Message = dict[str, str]
Sleep = Callable[[float], Awaitable[None]]

# Sent with every request so a server (the fake teacher) can vary its behaviour per attempt
# without keeping state; real servers ignore unknown headers.
ATTEMPT_HEADER = "X-Labtax-Attempt"
ROUTER_GROUP = "labtax-teacher"
PLACEHOLDER_API_KEY = "labtax-no-key"
# A deliberately generous guess (real tokenizers average ~4 characters per token for English), so
# the cost estimate made before a call errs on the side of stopping early.
CHARS_PER_TOKEN_ESTIMATE = 3


@dataclass(frozen=True)
class Completion:
    """One answer as the pipelines see it; `cached` is true when no call was made for it."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    cached: bool


@dataclass(frozen=True)
class Budget:
    """Limits on what one run may spend; None means unlimited. Cached answers are free."""

    max_cost_usd: float | None = None
    max_calls: int | None = None


@dataclass(frozen=True)
class Usage:
    """What this run spent: `calls` went to the teacher, `cached_calls` were served without one.

    Tokens and cost count only the calls actually sent. `cost_known` is false as soon as one answer
    came back without a price (a model litellm has no price for), and `cost_usd` then covers only
    the answers that had one.
    """

    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True

    @property
    def cost_label(self) -> str:
        return f"${self.cost_usd:.4f}" if self.cost_known else "price unknown"


class TeacherError(LabtaxError):
    """A call failed for good: a permanent error, or a transient one that outlasted the retries."""


class BudgetExceeded(LabtaxError):  # noqa: N818 - the name the design gives it
    """The next call would go over the budget; raised before it is sent, nothing was spent on it."""


class TransientError(Exception):
    """Raised by a transport for a failure worth retrying (429, 5xx, timeout, lost connection)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Transport(Protocol):
    """Sends one request; raises `TransientError` to ask for a retry, `TeacherError` to give up."""

    async def send(self, messages: Sequence[Message], attempt: int) -> Answer: ...

    async def estimate_cost(self, messages: Sequence[Message]) -> float | None:
        """An upper bound on the cost of sending `messages`, or None when the price is unknown."""
        ...


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
    ) -> None:
        self.config = config
        self.transport = transport
        self.cache = cache
        self.budget = budget or Budget()
        self.policy = policy or RetryPolicy(retries=config.retries)
        self._sleep = sleep
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self._usage = Usage()
        # Calls admitted past the budget check and not finished yet, with their cost estimates.
        self._pending_calls = 0
        self._pending_cost = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(max(1, config.concurrency))
        self._budget_changed = asyncio.Condition()
        self._inflight: dict[str, asyncio.Future[Answer]] = {}
        self._pacer = Pacer()

    def _bind_loop(self) -> None:
        # asyncio primitives belong to one event loop; a teacher reused by a later asyncio.run()
        # (tests, `--dry-run` then a run) gets fresh ones. Usage carries over.
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._slots = asyncio.Semaphore(max(1, self.config.concurrency))
            self._budget_changed = asyncio.Condition()
            self._inflight = {}
            self._pacer = Pacer()
            self._pending_calls = 0
            self._pending_cost = 0.0

    @property
    def usage(self) -> Usage:
        return self._usage

    def request(self, messages: Sequence[Message]) -> dict[str, Any]:
        """Everything that determines the answer: the cache key material."""
        return {
            "max_tokens": self.config.max_tokens,
            "messages": [dict(m) for m in messages],
            "model": self.config.model,
            "seed": self.config.seed,
            "temperature": self.config.temperature,
        }

    async def complete(self, messages: Sequence[Message], *, stage: str) -> Completion:
        """The answer to `messages`; `stage` names the pipeline step for error messages."""
        self._bind_loop()
        key = request_key(self.request(messages))
        if self.cache is not None:
            stored = self.cache.get(key)
            if stored is not None:
                self._count_cached()
                return _completion(stored, cached=True)
        running = self._inflight.get(key)
        if running is not None:
            # The same request is already on its way: share its answer rather than pay twice
            # (and, with a sampling teacher, get two different answers for one cache entry).
            await asyncio.wait([running])
            if running.cancelled():
                # Its caller was cancelled, not us: ask again ourselves.
                return await self.complete(messages, stage=stage)
            answer = running.result()
            self._count_cached()
            return _completion(answer, cached=True)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            answer = await self._call(messages, stage)
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
        return _completion(answer, cached=False)

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

    async def _call(self, messages: Sequence[Message], stage: str) -> Answer:
        estimate = await self._admit(messages)
        try:
            answer = await self._send_with_retries(messages, stage)
        except BaseException:
            await self._settle(estimate, None)
            raise
        await self._settle(estimate, answer)
        return answer

    async def _admit(self, messages: Sequence[Message]) -> float:
        """Reserve budget for one call, waiting for running calls to settle when that could help."""
        limit_calls = self.budget.max_calls
        limit_cost = self.budget.max_cost_usd
        estimate = 0.0
        if limit_cost is not None:
            priced = await self.transport.estimate_cost(messages)
            if priced is None:
                raise BudgetExceeded(
                    f"cannot enforce a cost limit: no price is known for {self.config.model!r}",
                    hint="use a call limit (--max-calls), or a model litellm knows the price of",
                )
            estimate = priced
        async with self._budget_changed:
            while True:
                usage = self._usage
                if limit_calls is not None and usage.calls + 1 > limit_calls:
                    raise BudgetExceeded(
                        f"call budget reached: {usage.calls} of {limit_calls} used"
                    )
                if limit_cost is not None and usage.cost_usd + estimate > limit_cost:
                    raise BudgetExceeded(
                        f"cost budget reached: ${usage.cost_usd:.4f} spent of ${limit_cost:.4f},"
                        f" the next call may cost up to ${estimate:.4f}"
                    )
                calls_ok = (
                    limit_calls is None or usage.calls + self._pending_calls + 1 <= limit_calls
                )
                cost_ok = (
                    limit_cost is None
                    or usage.cost_usd + self._pending_cost + estimate <= limit_cost
                )
                if calls_ok and cost_ok:
                    self._pending_calls += 1
                    self._pending_cost += estimate
                    return estimate
                # Calls still running may finish cheaper than estimated, or fail and cost nothing.
                await self._budget_changed.wait()

    async def _settle(self, estimate: float, answer: Answer | None) -> None:
        async with self._budget_changed:
            self._pending_calls -= 1
            self._pending_cost -= estimate
            if answer is not None:
                self._usage = _add(self._usage, answer)
            self._budget_changed.notify_all()

    async def _send_with_retries(self, messages: Sequence[Message], stage: str) -> Answer:
        attempts = self.policy.retries + 1
        for attempt in range(attempts):
            try:
                async with self._slots:
                    await self._pacer.wait()
                    answer = await self.transport.send(messages, attempt)
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
        self._usage = replace(self._usage, cached_calls=self._usage.cached_calls + 1)


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


def _completion(answer: Answer, *, cached: bool) -> Completion:
    return Completion(
        answer.text, answer.prompt_tokens, answer.completion_tokens, answer.cost_usd, cached
    )


def _add(usage: Usage, answer: Answer) -> Usage:
    known = usage.cost_known and answer.cost_usd is not None
    return Usage(
        calls=usage.calls + 1,
        cached_calls=usage.cached_calls,
        prompt_tokens=usage.prompt_tokens + answer.prompt_tokens,
        completion_tokens=usage.completion_tokens + answer.completion_tokens,
        cost_usd=usage.cost_usd + (answer.cost_usd or 0.0),
        cost_known=known,
    )


def make_teacher(config: TeacherConfig, cache_dir: Path, budget: Budget | None = None) -> Teacher:
    """The teacher for a run: litellm behind our cache, budget, retries and concurrency bound."""
    return Teacher(
        config, LitellmTransport(config), cache=ResponseCache(cache_dir), budget=budget or Budget()
    )


def estimate_tokens(messages: Sequence[Message]) -> int:
    """A pessimistic prompt-token count, cheap enough to make before every call."""
    chars = sum(len(m.get("content", "")) + len(m.get("role", "")) + 4 for m in messages)
    return math.ceil(chars / CHARS_PER_TOKEN_ESTIMATE)


class LitellmTransport:
    """Sends requests with litellm: `acompletion` for one server, a `Router` for several."""

    def __init__(self, config: TeacherConfig) -> None:
        self.config = config
        self._litellm: Any = None
        self._router: Any = None
        self._errors: tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]] = (
            (),
            (),
        )
        self._loading = asyncio.Lock()
        self._loading_loop: asyncio.AbstractEventLoop | None = None
        self._price_known = False

    async def _ensure_loaded(self) -> Any:
        if self._litellm is None:
            loop = asyncio.get_running_loop()
            if loop is not self._loading_loop:
                self._loading_loop, self._loading = loop, asyncio.Lock()
            async with self._loading:
                if self._litellm is None:
                    # Importing litellm takes seconds: do it off the event loop so progress
                    # reporting and cache hits keep flowing meanwhile.
                    litellm = await asyncio.to_thread(_import_litellm)
                    self._price_known = _ensure_model_known(litellm, self.config.model)
                    self._errors = _error_classes(litellm)
                    self._router = self._build_router(litellm)
                    self._litellm = litellm
        return self._litellm

    def bases(self) -> tuple[str, ...]:
        """The servers to use. `api_base` wins over `api_bases`, because LABTAX_TEACHER_API_BASE
        sets it and the environment always wins; it may list several servers, comma-separated.
        """
        if self.config.api_base:
            return tuple(b.strip() for b in self.config.api_base.split(",") if b.strip())
        return tuple(b for b in self.config.api_bases if b)

    def _build_router(self, litellm: Any) -> Any:
        bases = self.bases()
        if len(bases) < 2:
            return None
        deployments = [
            {
                "model_name": ROUTER_GROUP,
                "litellm_params": self._deployment_params(base),
            }
            for base in bases
        ]
        # Our retry loop owns retries; the Router only balances, fails over and cools down.
        return litellm.Router(
            model_list=deployments,
            num_retries=0,
            timeout=self.config.timeout,
            routing_strategy="simple-shuffle",
            enable_weighted_failover=True,
            allowed_fails=3,
            cooldown_time=5.0,
        )

    def _deployment_params(self, base: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"model": self.config.model, "max_retries": 0}
        if base:
            params["api_base"] = base
        if self.config.api_key:
            params["api_key"] = self.config.api_key
        elif base:
            # Self-hosted servers (vLLM, the fake teacher) need no key, but OpenAI-style clients
            # refuse to send without one.
            params["api_key"] = PLACEHOLDER_API_KEY
        return params

    def _call_params(self, messages: Sequence[Message], attempt: int) -> dict[str, Any]:
        return {
            "messages": [dict(m) for m in messages],
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
            "seed": self.config.seed,
            "timeout": self.config.timeout,
            "num_retries": 0,
            "drop_params": True,
            "extra_headers": {ATTEMPT_HEADER: str(attempt)},
        }

    async def send(self, messages: Sequence[Message], attempt: int) -> Answer:
        litellm = await self._ensure_loaded()
        params = self._call_params(messages, attempt)
        transient, permanent = self._errors
        try:
            if self._router is not None:
                response = await self._router.acompletion(model=ROUTER_GROUP, **params)
            else:
                single = next(iter(self.bases()), None)
                response = await litellm.acompletion(**self._deployment_params(single), **params)
        except permanent as exc:
            raise TeacherError(
                f"the teacher refused the request: {_describe(exc)}",
                hint="check [tool.labtax.teacher] model / api_base and LABTAX_TEACHER_API_KEY",
            ) from exc
        except transient as exc:
            raise TransientError(_describe(exc), retry_after=retry_after_of(exc)) from exc
        return self._answer(litellm, response)

    def _answer(self, litellm: Any, response: Any) -> Answer:
        text = _content_of(response)
        if not text.strip():
            # An empty completion is a glitch, not an answer: retry it rather than cache it.
            raise TransientError("the teacher returned empty content")
        usage = getattr(response, "usage", None)
        prompt = _count(getattr(usage, "prompt_tokens", 0))
        completion = _count(getattr(usage, "completion_tokens", 0))
        cost = _cost_of(litellm, response) if self._price_known else None
        return Answer(text, prompt, completion, cost)

    async def estimate_cost(self, messages: Sequence[Message]) -> float | None:
        litellm = await self._ensure_loaded()
        if not self._price_known:
            return None
        prompt_tokens = estimate_tokens(messages)
        try:
            counted = litellm.token_counter(model=self.config.model, messages=list(messages))
        except Exception:  # noqa: BLE001 - no tokenizer for this model: keep the character guess
            counted = 0
        try:
            # The larger of the tokenizer's count and the character guess, and a full-length
            # answer: an upper bound, as long as the server honours max_tokens.
            prompt_cost, completion_cost = litellm.cost_per_token(
                model=self.config.model,
                prompt_tokens=max(prompt_tokens, int(counted)),
                completion_tokens=self.config.max_tokens,
            )
        except Exception:  # noqa: BLE001 - litellm raises assorted types for "no price known"
            return None
        return float(prompt_cost) + float(completion_cost)


def _import_litellm() -> Any:
    # Never fetch the price map from the network: use the copy shipped inside litellm.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    litellm.num_retries = 0
    return litellm


def _ensure_model_known(litellm: Any, model: str) -> bool:
    """Whether litellm has a price for `model`; when not, register it as a zero-rate chat model.

    litellm searches its whole price map on every call for a model it does not know (about a
    millisecond each, a fifth of its per-call cost); a registered entry is found at once. Answers
    from such a model still report "price unknown": the zero rates are never shown as a price.
    """
    try:
        info = litellm.get_model_info(model)
    except Exception:  # noqa: BLE001 - litellm signals "unknown model" with several types
        info = None
    # A model registered below (by an earlier transport in this process) reads back with a price
    # of 0: only a positive price is a known one.
    if info is not None and (info.get("input_cost_per_token") or 0) > 0:
        return True
    try:
        _, provider, _, _ = litellm.get_llm_provider(model)
    except Exception:  # noqa: BLE001 - an unresolvable provider fails the call itself, clearly
        return False
    # Explicit zero rates, not absent ones: for a zero-cost answer with rates missing, litellm
    # runs a diagnostic over the whole entry that costs more than the call itself.
    entry = {
        "litellm_provider": provider,
        "mode": "chat",
        "input_cost_per_token": 0.0,
        "output_cost_per_token": 0.0,
        "cache_creation_input_token_cost": 0.0,
        "cache_read_input_token_cost": 0.0,
    }
    litellm.register_model({model: entry})
    return False


def _error_classes(
    litellm: Any,
) -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(transient, permanent) litellm exception types; anything else is a bug and propagates."""
    exc = litellm.exceptions
    transient = (
        exc.RateLimitError,
        exc.Timeout,
        exc.APIConnectionError,
        exc.InternalServerError,
        exc.ServiceUnavailableError,
        exc.BadGatewayError,
        exc.APIError,
        exc.APIResponseValidationError,
    )
    permanent = (
        exc.ContextWindowExceededError,
        exc.BadRequestError,
        exc.AuthenticationError,
        exc.PermissionDeniedError,
        exc.NotFoundError,
        exc.UnprocessableEntityError,
    )
    return transient, permanent


def retry_after_of(exc: BaseException) -> float | None:
    """Seconds from the Retry-After header an error carries, wherever litellm kept it."""
    sources: list[object] = [
        getattr(exc, "litellm_response_headers", None),
        getattr(exc, "headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
    ]
    for headers in sources:
        value = _header(headers, "retry-after")
        if value is not None:
            return parse_retry_after(value)
    return None


def _header(headers: object, name: str) -> str | None:
    if headers is None:
        return None
    getter = getattr(headers, "get", None)
    if getter is None:
        return None
    try:
        value = getter(name)
        if value is None and isinstance(headers, Mapping):
            value = next((v for k, v in headers.items() if str(k).lower() == name), None)
    except Exception:  # noqa: BLE001 - a malformed header object just means "no header"
        return None
    return None if value is None else str(value)


def parse_retry_after(value: str) -> float | None:
    """Retry-After as seconds; the HTTP-date form is converted relative to now."""
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        now = dt.datetime.now(tz=when.tzinfo or dt.UTC)
        return max(0.0, (when - now).total_seconds())
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _content_of(response: Any) -> str:
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError, KeyError, TypeError):
        return ""
    return content if isinstance(content, str) else ""


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _cost_of(litellm: Any, response: Any) -> float | None:
    hidden = getattr(response, "_hidden_params", None)
    if isinstance(hidden, dict) and "response_cost" in hidden:
        # litellm already priced it (None when it knows no price); pricing again costs ~1 ms.
        cost = hidden["response_cost"]
    else:
        try:
            cost = litellm.completion_cost(completion_response=response)
        except Exception:  # noqa: BLE001 - "no price known" comes in several exception types
            return None
    try:
        value = float(cost)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}"

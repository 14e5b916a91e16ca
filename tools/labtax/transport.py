"""The litellm adapter: the only module that imports litellm, and only on the first real call.

A `Transport` sends one chat request and says whether a failure is worth retrying
(`TransientError`, with the server's Retry-After when it gave one) or final (`TeacherError`); the
policy around it (cache, budget, retries, pacing) is `labtax.teacher`. `LitellmTransport` talks to
one `api_base` directly or to several through litellm's Router, prices answers and estimates
(`estimate_cost`) from litellm's price table, and sends `ATTEMPT_HEADER` with every request so a
server (the fake teacher) can vary its behaviour per attempt without keeping state.

Importing this module is cheap: litellm loads, in a thread, the first time a request goes out or a
price is asked for, so a run served from the cache and a `--dry-run` with nothing to generate never
pay its ~12 s import.

Failures are sorted by cause, walking the exception's chain (litellm wraps a refused connection,
an unknown host and a missing key alike as a server error): a missing or rejected key is final and
never retried; a host name that does not resolve is final (`Unreachable`); a refused connection is
retried, and `Unreachable` once the retries are spent. With no teacher configured at all (the
built-in model name and no server), nothing is sent: the error says how to point labtax at one.

One piece (over 500 lines) because it is the only module that imports litellm: everything that
knows the shapes of litellm's requests, responses, errors and prices belongs here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import os
import re
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from labtax.cache import Answer
from labtax.config import TeacherConfig
from labtax.errors import LabtaxError
from labtax.prompts import Message
from labtax.util import estimate_message_tokens

# Real servers ignore unknown headers.
ATTEMPT_HEADER = "X-Labtax-Attempt"
ROUTER_GROUP = "labtax-teacher"
PLACEHOLDER_API_KEY = "labtax-no-key"


# The model a teacher has before anything is configured: the name the fake teacher answers to.
UNCONFIGURED_MODEL = TeacherConfig().model
SETUP_HINT = (
    "point labtax at a teacher: export LABTAX_TEACHER_MODEL (a litellm model string such as"
    " hosted_vllm/<model>) and LABTAX_TEACHER_API_BASE (its server's URL), or set model and"
    " api_base in [tool.labtax.teacher]; to try labtax offline, run `labtax fake-teacher` in"
    " another terminal and the export lines it prints"
)


class TeacherError(LabtaxError):
    """A call failed for good: a permanent error, or a transient one that outlasted the retries."""


class Unreachable(TeacherError):  # noqa: N818 - says what the server is
    """The teacher's server cannot be reached (its host name does not resolve, or it refuses
    connections): every later call would fail the same way."""


class TransientError(Exception):
    """Raised by a transport for a failure worth retrying (429, 5xx, timeout, lost connection).

    `unreachable` is the error to give once the retries are spent when the server refused the
    connection (so that the run names it once)."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        unreachable: Unreachable | None = None,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.unreachable = unreachable


@dataclass(frozen=True)
class CallParams:
    """The sampling parameters of one call: judges run cold, writers warm, each with its limit."""

    temperature: float
    max_tokens: int


@dataclass(frozen=True)
class PromptPrices:
    """What a prompt token costs, in USD, and one a provider serves from its prefix cache (None:
    litellm knows no separate price for those)."""

    input_per_token: float
    cached_input_per_token: float | None


class Transport(Protocol):
    """Sends one request; raises `TransientError` to ask for a retry, `TeacherError` to give up."""

    async def send(
        self, messages: Sequence[Message], attempt: int, params: CallParams
    ) -> Answer: ...

    async def estimate_cost(self, messages: Sequence[Message], params: CallParams) -> float | None:
        """An upper bound on the cost of sending `messages`, or None when the price is unknown."""
        ...


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
                    litellm = await asyncio.to_thread(import_litellm)
                    self._price_known = _ensure_model_known(litellm, self.config.model)
                    self._errors = _error_classes(litellm)
                    self._router = self._build_router(litellm)
                    self._litellm = litellm
        return self._litellm

    def bases(self) -> tuple[str, ...]:
        """The servers to use (`TeacherConfig.servers`)."""
        return self.config.servers

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

    def _call_params(
        self, messages: Sequence[Message], attempt: int, call: CallParams
    ) -> dict[str, Any]:
        return {
            "messages": [dict(m) for m in messages],
            "temperature": call.temperature,
            "max_tokens": call.max_tokens,
            "seed": self.config.seed,
            "timeout": self.config.timeout,
            "num_retries": 0,
            "drop_params": True,
            "extra_headers": {ATTEMPT_HEADER: str(attempt)},
        }

    def where(self) -> str:
        """The server(s) as a message names them."""
        return ", ".join(self.bases()) or f"the default server of {self.config.model!r}"

    async def send(self, messages: Sequence[Message], attempt: int, params: CallParams) -> Answer:
        if self.config.model == UNCONFIGURED_MODEL and not self.bases():
            # litellm would send the fake teacher's model name to OpenAI's API.
            raise TeacherError("no teacher is configured", hint=SETUP_HINT)
        litellm = await self._ensure_loaded()
        request = self._call_params(messages, attempt, params)
        transient, permanent = self._errors
        try:
            if self._router is not None:
                response = await self._router.acompletion(model=ROUTER_GROUP, **request)
            else:
                single = next(iter(self.bases()), None)
                response = await litellm.acompletion(**self._deployment_params(single), **request)
        except permanent as exc:
            raise self._final(exc) from exc
        except transient as exc:
            cause = failure_cause(exc)
            if cause in ("credentials", "name"):
                raise self._final(exc) from exc
            unreachable = self._unreachable(exc) if cause == "refused" else None
            raise TransientError(
                _describe(exc), retry_after=retry_after_of(exc), unreachable=unreachable
            ) from exc
        return self._answer(litellm, response)

    def _final(self, exc: BaseException) -> TeacherError:
        """The error a failure that retrying cannot fix becomes, with the hint its cause needs."""
        cause = failure_cause(exc)
        if cause == "credentials":
            return TeacherError(
                f"the {self.config.role} at {self.where()} needs a valid API key: {_describe(exc)}",
                hint="export LABTAX_TEACHER_API_KEY with the server's key (it is only ever read"
                " from the environment); self-hosted servers usually need none: check"
                " LABTAX_TEACHER_API_BASE",
            )
        if cause == "name":
            return self._unreachable(exc)
        return TeacherError(
            f"the {self.config.role} refused the request: {_describe(exc)}",
            hint="check [tool.labtax.teacher] model / api_base and LABTAX_TEACHER_API_KEY",
        )

    def _unreachable(self, exc: BaseException) -> Unreachable:
        if failure_cause(exc) == "name":
            return Unreachable(
                f"cannot reach the {self.config.role} at {self.where()}: its host name does not"
                " resolve",
                hint="check the host name in LABTAX_TEACHER_API_BASE ([tool.labtax.teacher]"
                " api_base), and the network's name server",
            )
        return Unreachable(
            f"cannot reach the {self.config.role} at {self.where()}: the connection was refused",
            hint="start the server (or `labtax fake-teacher` for an offline stand-in), or point"
            " LABTAX_TEACHER_API_BASE at one that is running",
        )

    def _answer(self, litellm: Any, response: Any) -> Answer:
        text = _content_of(response)
        usage = getattr(response, "usage", None)
        prompt = _count(getattr(usage, "prompt_tokens", 0))
        completion = _count(getattr(usage, "completion_tokens", 0))
        prefix = min(prompt, cached_prompt_tokens(usage))
        cost = _cost_of(litellm, response) if self._price_known else None
        if _finish_reason(response) == "length":
            # Cut at the answer limit: never an answer, whatever it says; the policy asks again.
            return Answer(text, prompt, completion, cost, prefix, truncated=True)
        # An empty one (blank content, or no choice at all) is returned too: it was billed, and
        # the policy decides what it is worth.
        return Answer(text, prompt, completion, cost, prefix)

    async def prompt_prices(self) -> PromptPrices | None:
        """The model's prompt prices from litellm's table, or None when it knows none."""
        litellm = await self._ensure_loaded()
        if not self._price_known:
            return None
        try:
            info = litellm.get_model_info(self.config.model)
        except Exception:  # noqa: BLE001 - litellm signals "unknown model" with several types
            return None
        cached = info.get("cache_read_input_token_cost")
        return PromptPrices(
            float(info.get("input_cost_per_token") or 0.0),
            float(cached) if cached else None,
        )

    async def estimate_cost(self, messages: Sequence[Message], params: CallParams) -> float | None:
        litellm = await self._ensure_loaded()
        if not self._price_known:
            return None
        prompt_tokens = estimate_message_tokens(messages)
        try:
            counted = litellm.token_counter(model=self.config.model, messages=list(messages))
        except Exception:  # noqa: BLE001 - no tokenizer for this model: keep the character estimate
            counted = 0
        try:
            # The larger of the tokenizer's count and the character guess, and a full-length
            # answer: an upper bound, as long as the server honours max_tokens.
            prompt_cost, completion_cost = litellm.cost_per_token(
                model=self.config.model,
                prompt_tokens=max(prompt_tokens, int(counted)),
                completion_tokens=params.max_tokens,
            )
        except Exception:  # noqa: BLE001 - litellm raises assorted types for "no price known"
            return None
        return float(prompt_cost) + float(completion_cost)


def import_litellm() -> Any:
    """litellm, configured for labtax (seconds on first import; benchmarks warm it up here)."""
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


def cached_prompt_tokens(usage: Any) -> int:
    """The prompt tokens a server says it served from its prefix cache, in whichever field
    litellm keeps them for the provider: OpenAI-compatible servers (vLLM among them) report
    `prompt_tokens_details.cached_tokens`, Anthropic `cache_read_input_tokens`, DeepSeek
    `prompt_cache_hit_tokens`."""
    details = getattr(usage, "prompt_tokens_details", None)
    if isinstance(details, Mapping):
        nested = details.get("cached_tokens", 0)
    else:
        nested = getattr(details, "cached_tokens", 0)
    return max(
        _count(nested),
        _count(getattr(usage, "cache_read_input_tokens", 0)),
        _count(getattr(usage, "prompt_cache_hit_tokens", 0)),
    )


def failure_cause(exc: BaseException) -> str:
    """Why a call failed, from anywhere in the exception's chain: "credentials" (a missing or
    rejected key), "name" (the host name does not resolve), "refused" (nothing listens), or ""."""
    for link in _chain(exc):
        if isinstance(link, socket.gaierror):
            return "name"
        if isinstance(link, ConnectionRefusedError):
            return "refused"
        name = type(link).__name__
        text = str(link)
        if name in ("AuthenticationError", "PermissionDeniedError") or any(
            marker in text for marker in _CREDENTIAL_MARKERS
        ):
            return "credentials"
    return ""


_CREDENTIAL_MARKERS = ("Missing credentials", "api_key client option", "Incorrect API key")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _finish_reason(response: Any) -> str:
    try:
        reason = response.choices[0].finish_reason
    except (AttributeError, IndexError, KeyError, TypeError):
        return ""
    return reason if isinstance(reason, str) else ""


_SURROGATE = re.compile("[\ud800-\udfff]")


def _content_of(response: Any) -> str:
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError, KeyError, TypeError):
        return ""
    if not isinstance(content, str):
        return ""
    # JSON can carry half a surrogate pair ("\ud800"), which no UTF-8 file can hold: it would
    # stop the run when the answer is written. It becomes U+FFFD, as a decoder makes bad bytes.
    return _SURROGATE.sub("\ufffd", content)


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

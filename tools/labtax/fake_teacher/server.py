"""The fake teacher's HTTP side: an OpenAI-compatible server, injected faults and statistics.

Faults imitate real servers (429 with Retry-After, 500, a hang past the client's timeout, a
malformed body, empty content on a first attempt) and are decided per request hash and attempt:
the attempt comes from the `X-Labtax-Attempt` header labtax sends, or from a per-request counter,
so a retried call eventually gets through and a rerun sees the same faults. Apart from them,
`truncate_rate` cuts the first attempt of a share of requests at half its answer with
`finish_reason: "length"`, as a model stopping at its answer limit does.

Like a serving engine with automatic prefix caching (vLLM's), the server keeps the prompts it has
seen in blocks of `BLOCK_TOKENS` tokens, each hashed with everything before it, and reports the
leading blocks of a prompt it already holds as `usage.prompt_tokens_details.cached_tokens`, the
field OpenAI-compatible servers use. That figure depends on the order requests arrive in.

Standard library only: a threaded HTTP server, one thread per connection, so slow answers
(`latency_ms`) overlap instead of queueing. One piece (just over 400 lines): the settings, the
statistics and the simulated prefix cache are the request handler's own state.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from labtax.fake_teacher.answers import request_digest, respond
from labtax.fake_teacher.student import STUDENT_MODEL_NAME, Knowledge, is_student
from labtax.prompts import stage_of
from labtax.transport import ATTEMPT_HEADER
from labtax.usage import prompt_text
from labtax.util import CHARS_PER_TOKEN, estimate_message_tokens, estimate_tokens

MODEL_NAME = "labtax-fake-teacher"
# A fixed creation time keeps every response byte-identical across runs.
CREATED = 1767225600
FAULTS = ("rate_limit", "server_error", "hang", "malformed", "empty")
# Longer than labtax's default client timeout (60 s), so an injected hang is a client timeout.
HANG_S = 120.0
# vLLM's default block size for its prefix cache.
BLOCK_TOKENS = 16

BANNER = (
    "labtax fake-teacher: OFFLINE STAND-IN, NOT A MODEL.\n"
    "  It answers labtax prompts with canned, deterministic text so the pipeline can run without\n"
    "  a real teacher; data generated with it is only fit for tests and demos.\n"
    "  Asked for the model " + STUDENT_MODEL_NAME + ", it stands in for a student (labtax eval):\n"
    "  it knows some leaves' seed answers and not others, and is not a model either.\n"
    "  Listening on {url} (OpenAI-compatible: POST {url}/chat/completions)"
)


@dataclass(frozen=True)
class ServerSettings:
    """How the fake server behaves."""

    latency_ms: float = 0.0
    fault_rate: float = 0.0
    seed: int = 0
    hang_s: float = HANG_S
    retry_after_s: float = 1.0
    # What the fake student was taught (its answers to requests for STUDENT_MODEL_NAME).
    knowledge: Knowledge = field(default_factory=Knowledge)
    # Share of requests whose first attempt is cut at the answer limit.
    truncate_rate: float = 0.0


@dataclass
class ServerStats:
    """What the server has seen, for tests and benches (guarded by `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    completions: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    stages: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    attempts: dict[str, int] = field(default_factory=dict)
    truncated: int = 0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0


class PrefixCache:
    """The prompts a serving engine keeps: blocks of BLOCK_TOKENS tokens, each hashed with all
    before it, so a block is found again only after the very same prefix. Forgets everything when
    full, as an engine evicts."""

    def __init__(self, capacity: int = 2_000_000) -> None:
        self.capacity = capacity
        self._blocks: set[bytes] = set()
        self._lock = threading.Lock()

    def serve(self, messages: Sequence[Mapping[str, object]]) -> int:
        """Tokens of the prompt's leading blocks already kept; keeps all of its blocks."""
        text = prompt_text(messages).encode("utf-8")
        size = BLOCK_TOKENS * CHARS_PER_TOKEN
        running = hashlib.blake2b(digest_size=16)
        digests = []
        for start in range(0, len(text) - size + 1, size):
            running.update(text[start : start + size])
            digests.append(running.copy().digest())
        hits = 0
        with self._lock:
            for digest in digests:
                if digest not in self._blocks:
                    break
                hits += 1
            if len(self._blocks) + len(digests) > self.capacity:
                self._blocks.clear()
            self._blocks.update(digests)
        return hits * BLOCK_TOKENS


def truncates(digest: int, attempt: int, truncate_rate: float) -> bool:
    """Whether attempt `attempt` of the request with `digest` is cut at the answer limit."""
    if attempt > 0 or truncate_rate <= 0:
        return False
    roll = random.Random(f"{digest}:truncate")  # noqa: S311 - fault dice, not secrets
    return roll.random() < truncate_rate


def fault_for(digest: int, attempt: int, fault_rate: float) -> str | None:
    """The fault injected into attempt `attempt` of the request with `digest`, if any."""
    roll = random.Random(f"{digest}:{attempt}")  # noqa: S311 - fault dice, not secrets
    if roll.random() >= fault_rate:
        return None
    fault = roll.choice(FAULTS)
    # An empty answer is an answer, billed and counted, that labtax asks again once at most: only
    # a first attempt gets one, so that the retry gets through as with the other faults.
    return None if fault == "empty" and attempt > 0 else fault


def token_counts(messages: Sequence[Mapping[str, object]], text: str) -> tuple[int, int]:
    """The (prompt, completion) token counts the fake reports for a request and its answer."""
    contents = [{"content": str(m.get("content", ""))} for m in messages]
    return estimate_message_tokens(contents), estimate_tokens(text)


def completion_body(
    request: dict[str, Any], text: str, digest: int, *, cut: bool = False, cached: int = 0
) -> dict[str, Any]:
    """An OpenAI chat.completion response for `text`, honouring `max_tokens` like a model would;
    `cut` stops it halfway as if at the limit, `cached` prompt tokens came from the prefix cache."""
    finish = "stop"
    limit = request.get("max_tokens") or request.get("max_completion_tokens")
    if isinstance(limit, int) and limit > 0 and estimate_tokens(text) > limit:
        text, finish = text[: limit * CHARS_PER_TOKEN], "length"
    if cut:
        text, finish = text[: len(text) // 2], "length"
    prompt, completion = token_counts(request.get("messages") or [], text)
    return {
        "id": f"chatcmpl-fake-{digest:016x}",
        "object": "chat.completion",
        "created": CREATED,
        "model": str(request.get("model") or MODEL_NAME),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": finish,
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": min(cached, prompt)},
        },
    }


class FakeTeacherServer(ThreadingHTTPServer):
    """The HTTP server: one daemon thread per connection, a deep accept queue for bursts."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], settings: ServerSettings) -> None:
        super().__init__(address, _Handler)
        self.settings = settings
        self.stats = ServerStats()
        self.prefixes = PrefixCache()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (its timeout during an injected hang) is normal, not an error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, the client's delayed ACK would
    # add ~40 ms to every answer.
    disable_nagle_algorithm = True
    server: FakeTeacherServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        # Quiet: a benchmark drives thousands of requests.
        return

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path in ("/health", "/v1/health"):
            self._send_json(HTTPStatus.OK, {"status": "ok", "model": MODEL_NAME, "fake": True})
        elif path in ("/v1/models", "/models"):
            model = {"id": MODEL_NAME, "object": "model", "created": CREATED, "owned_by": "labtax"}
            self._send_json(HTTPStatus.OK, {"object": "list", "data": [model]})
        else:
            self._send_error(HTTPStatus.NOT_FOUND, f"no route {path}", "not_found")

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if path not in ("/v1/chat/completions", "/chat/completions"):
            self._send_error(HTTPStatus.NOT_FOUND, f"no route {path}", "not_found")
            return
        request = _chat_request(raw)
        if request is None:
            message = "bad request: expected a JSON object with a list of message objects"
            self._send_error(HTTPStatus.BAD_REQUEST, message, "invalid_request")
            return
        messages = request["messages"]
        stats = self.server.stats
        with stats.lock:
            stats.requests += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        try:
            self._complete(request, messages)
        finally:
            with stats.lock:
                stats.in_flight -= 1

    def _complete(self, request: dict[str, Any], messages: list[dict[str, str]]) -> None:
        settings = self.server.settings
        stats = self.server.stats
        if settings.latency_ms > 0:
            time.sleep(settings.latency_ms / 1000)
        digest = request_digest(messages, settings.seed)
        attempt = self._attempt(digest) if settings.fault_rate or settings.truncate_rate else 0
        fault = fault_for(digest, attempt, settings.fault_rate) if settings.fault_rate else None
        if fault is not None:
            with stats.lock:
                stats.faults[fault] += 1
        if fault == "rate_limit":
            self._send_error(
                HTTPStatus.TOO_MANY_REQUESTS,
                "fake teacher: rate limited (injected fault)",
                "rate_limit_exceeded",
                headers={"Retry-After": _seconds(settings.retry_after_s)},
            )
            return
        if fault == "server_error":
            self._send_error(
                HTTPStatus.INTERNAL_SERVER_ERROR, "fake teacher: injected fault", "server_error"
            )
            return
        if fault == "hang":
            time.sleep(settings.hang_s)
            self.close_connection = True
            return
        model = str(request.get("model") or "")
        stage = "student" if is_student(model) else stage_of(messages)
        text = (
            ""
            if fault == "empty"
            else respond(messages, seed=settings.seed, model=model, knowledge=settings.knowledge)
        )
        cut = truncates(digest, attempt, settings.truncate_rate)
        cached = self.server.prefixes.serve(messages)
        body = completion_body(request, text, digest, cut=cut, cached=cached)
        usage = body["usage"]
        with stats.lock:
            stats.completions += 1
            stats.stages[stage or "unknown"] += 1
            stats.truncated += cut
            stats.prompt_tokens += usage["prompt_tokens"]
            stats.cached_prompt_tokens += usage["prompt_tokens_details"]["cached_tokens"]
        if fault == "malformed":
            payload = json.dumps(body).encode("utf-8")
            self._send_bytes(HTTPStatus.OK, payload[: len(payload) // 2])
            return
        self._send_json(HTTPStatus.OK, body)

    def _attempt(self, digest: int) -> int:
        header = self.headers.get(ATTEMPT_HEADER)
        if header is not None and header.strip().isdigit():
            return int(header)
        # Clients that do not say which attempt this is get a per-request counter instead.
        stats = self.server.stats
        with stats.lock:
            key = f"{digest:x}"
            attempt = stats.attempts.get(key, 0)
            stats.attempts[key] = attempt + 1
        return attempt

    def _send_error(
        self,
        status: HTTPStatus,
        message: str,
        kind: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        body = {"error": {"message": message, "type": kind, "code": status.value}}
        self._send_json(status, body, headers)

    def _send_json(
        self, status: HTTPStatus, body: object, headers: dict[str, str] | None = None
    ) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self._send_bytes(status, payload, headers)

    def _send_bytes(
        self, status: HTTPStatus, payload: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status.value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def _chat_request(raw: bytes) -> dict[str, Any] | None:
    try:
        request = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(request, dict):
        return None
    messages = request.get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        return None
    return request


def _seconds(value: float) -> str:
    # Whole seconds as HTTP specifies; sub-second values (tests) are sent as decimals.
    value = max(0.0, float(value))
    return str(int(value)) if value.is_integer() else f"{value:g}"


def make_server(
    host: str = "127.0.0.1", port: int = 0, settings: ServerSettings | None = None
) -> FakeTeacherServer:
    """A bound, not yet serving, fake teacher server (port 0 picks a free port)."""
    return FakeTeacherServer((host, port), settings or ServerSettings())


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    latency_ms: float = 0.0,
    fault_rate: float = 0.0,
    *,
    seed: int = 0,
    hang_s: float = HANG_S,
    retry_after_s: float = 1.0,
    announce: Callable[[str], None] | None = None,
    knowledge: Knowledge | None = None,
    truncate_rate: float = 0.0,
) -> None:
    """Serve until interrupted; `announce` receives the stand-in banner once the port is bound."""
    settings = ServerSettings(
        latency_ms, fault_rate, seed, hang_s, retry_after_s, knowledge or Knowledge(), truncate_rate
    )
    server = make_server(host, port, settings)
    if announce is not None:
        announce(BANNER.format(url=server.url))
    try:
        server.serve_forever()
    finally:
        server.server_close()


def start_in_thread(
    port: int = 0,
    *,
    host: str = "127.0.0.1",
    latency_ms: float = 0.0,
    fault_rate: float = 0.0,
    seed: int = 0,
    hang_s: float = HANG_S,
    retry_after_s: float = 1.0,
    knowledge: Knowledge | None = None,
    truncate_rate: float = 0.0,
) -> tuple[FakeTeacherServer, str]:
    """Start a server on a background thread; returns it (call `.stop()`) and its `/v1` URL."""
    settings = ServerSettings(
        latency_ms, fault_rate, seed, hang_s, retry_after_s, knowledge or Knowledge(), truncate_rate
    )
    server = make_server(host, port, settings)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="fake-teacher", daemon=True
    )
    thread.start()
    return server, server.url

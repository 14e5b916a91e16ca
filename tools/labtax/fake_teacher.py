"""An offline stand-in for a teacher model: an OpenAI-compatible HTTP server with canned answers.

It is NOT a model. It recognises each labtax prompt by the `labtax-stage: <stage>` first line of the
system message, reads the tagged sections of the user message, and builds a well-formed answer of
the shape the prompt protocol asks for from the prompt's own words and fixed phrase lists.
Everything is seeded by a hash of the request messages: the same prompt always gets the same answer.

With a fault rate it also misbehaves the way real servers do (429 with Retry-After, 500, a hang
past the client's timeout, a malformed body, empty content), decided per request hash and attempt:
the attempt comes from the `X-Labtax-Attempt` header labtax sends, or from a per-request counter,
so a retried call eventually gets through and a rerun sees the same faults.

Standard library only: a threaded HTTP server, one thread per connection, so slow answers
(`latency_ms`) overlap instead of queueing.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL_NAME = "labtax-fake-teacher"
STAGE_PREFIX = "labtax-stage:"
ATTEMPT_HEADER = "X-Labtax-Attempt"
# A fixed creation time keeps every response byte-identical across runs.
CREATED = 1767225600
FAULTS = ("rate_limit", "server_error", "hang", "malformed", "empty")
MAX_COUNT = 50
# Longer than labtax's default client timeout (60 s), so an injected hang is a client timeout.
HANG_S = 120.0

BANNER = (
    "labtax fake-teacher: OFFLINE STAND-IN, NOT A MODEL.\n"
    "  It answers labtax prompts with canned, deterministic text so the pipeline can run without\n"
    "  a real teacher; data generated with it is only fit for tests and demos.\n"
    "  Listening on {url} (OpenAI-compatible: POST {url}/chat/completions)"
)


@dataclass(frozen=True)
class Settings:
    """How the fake server behaves."""

    latency_ms: float = 0.0
    fault_rate: float = 0.0
    seed: int = 0
    hang_s: float = HANG_S
    retry_after_s: float = 1.0


@dataclass
class Stats:
    """What the server has seen, for tests and benches (guarded by `lock`)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    completions: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    stages: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    attempts: dict[str, int] = field(default_factory=dict)


# --- answers ---------------------------------------------------------------------------------

_STOPWORDS = frozenset(
    """
    about above after again against also although always among another answer answers anyone
    anything asked based because been before being below best better between both brief
    briefly came clear come comes context could does doing down during each either even
    every everyone everything example examples first five follow following follows four from
    further gets give given gives goes going good great have having here however instead
    into itself just keep keeps kept kind kindly least less like little long made make many
    more most much must need needs neither never number numbers often only other ought over
    people please question questions quite rather really reported said same says second seem
    seems sentence short should simply some someone something still such take takes task
    tell than that their them then there therefore these they thing things third this those
    three through told took under until upon used using very want wants well were what when
    where whether which while whom whose will with within without word words would write
    your yours
    """.split()  # noqa: SIM905 - a word list reads better as prose
)

_FORMS = (
    "short poem",
    "brief story",
    "friendly letter",
    "dialogue",
    "haiku",
    "checklist",
    "summary",
    "riddle",
    "limerick",
    "product description",
    "diary entry",
    "news headline",
)
_AUDIENCES = (
    "a beginner",
    "a curious child",
    "a new colleague",
    "a busy manager",
    "a retired teacher",
    "a visiting friend",
    "a first-year student",
    "a small business owner",
)
_SITUATIONS = (
    "time is short",
    "the weather turns bad",
    "resources are limited",
    "working in a large team",
    "starting from scratch",
    "travelling abroad",
    "the deadline moves earlier",
    "nobody has tried it before",
)
_VERBS = ("organise", "improve", "compare", "plan", "teach", "measure", "simplify", "review")
_FALLBACK_TOPICS = (
    "gardening",
    "river boats",
    "mountain trails",
    "baking bread",
    "city libraries",
    "old maps",
    "night trains",
    "bicycle repair",
    "bird songs",
    "tea ceremonies",
    "winter markets",
    "paper kites",
)
_QUESTION_TEMPLATES = (
    "Write a {form} about {a} for {audience}.",
    "How would you explain {a} to {audience}, and why does it matter for {b}?",
    "Give three practical tips to {verb} {a} when {situation}.",
    "What is the difference between {a} and {b}? Illustrate it with an example.",
    "Describe a situation where {a} causes trouble with {b}, and suggest a fix.",
    "Compose a {form} that mentions {a}, {b} and {c}.",
    "List the main steps to {verb} {a}, in order, for {audience}.",
    "Summarise what someone should know about {a} before {situation}.",
    "Create a {form} in which {audience} learns something about {a}.",
    "Why might {a} be confused with {b}? Explain briefly.",
    "Rewrite the idea of {a} as advice for {audience} when {situation}.",
    "Suggest a title and an opening line for a {form} about {a} and {b}.",
    "Which mistakes do people make with {a}, and how can {audience} avoid them?",
    "Plan a short lesson on {a} and {b} for {audience}.",
)
_ANSWER_SENTENCES = (
    "The key point about {a} is that it rewards patience and a clear plan.",
    "Start with {a}, then connect it to {b} so the idea feels concrete.",
    "A simple way to see it: {a} is the goal, while {b} is how you get there.",
    "For {audience}, it helps to describe {a} with an everyday comparison.",
    "When {situation}, focus on {a} first and leave {b} for later.",
    "Many people overlook {b}, yet it shapes how {a} turns out.",
    "Try to {verb} {a} in small steps and check the result after each one.",
    "An honest summary is that {a} and {b} work best together.",
    "If something goes wrong, look again at {b} before changing {a}.",
    "It is worth writing down what you learn about {a} along the way.",
    "In short, {a} becomes easier once {b} is under control.",
    "A good first exercise is to {verb} {b} and notice how {a} changes.",
    "Keep the language plain so that {audience} can follow every step.",
    "The result should feel natural, with {a} at the centre of it.",
    "Remember that {b} can look different depending on the setting.",
    "Finally, share the outcome and ask for feedback on {a}.",
)
_CONTEXT_SENTENCES = (
    "The {a} committee met on a quiet morning to review plans for {b}.",
    "Everyone agreed that {a} had improved since the spring, although {b} still lagged behind.",
    "A short note from the coordinator listed {a}, {b} and {c} as the main topics.",
    "Volunteers described {a} as the most demanding part of the season.",
    "The report suggested moving {b} to the afternoon so that {a} could start earlier.",
    "Several visitors asked how {a} related to {b}, and the guide explained it patiently.",
    "By the end of the week, the team had a clear picture of {a}.",
    "One open question remained: whether {b} should replace {c} next year.",
    "The summary closed with thanks to everyone who helped with {a}.",
    "Records kept in the office showed that {c} had been tried once before.",
)
_KNOWLEDGE_QUESTIONS = (
    "What does the document say about {a}?",
    "According to the text, how are {a} and {b} connected?",
    "Which fact about {a} does the document give in connection with {b}?",
    "How does the document explain {a}, {b} and {c}?",
    "Why does {a} matter here, according to the passage on {b}?",
    "What role does {a} play for {b} and {c}?",
    "In the document, what happens to {a} when {b} is involved?",
    "Describe what the text reports about {a}.",
    "What is the link between {a} and {c} in this part of the document?",
    "Name one thing the document states about {b} and {a}.",
)


def respond(messages: Sequence[dict[str, str]], *, seed: int = 0) -> str:
    """The fake teacher's answer to a chat request: deterministic in `messages` and `seed`."""
    stage, sections = parse_prompt(messages)
    rng = random.Random(_digest(messages, seed))  # noqa: S311 - variety, not secrecy
    builder = _BUILDERS.get(stage or "")
    text = builder(sections, rng) if builder else _generic(messages)
    # Real models sometimes fence their JSON; a minority of fenced answers keeps parsers honest.
    if stage in _JSON_STAGES and rng.random() < 0.2:
        return f"```json\n{text}\n```"
    return text


def parse_prompt(messages: Sequence[dict[str, str]]) -> tuple[str | None, dict[str, str]]:
    """The labtax stage (None for a foreign prompt) and the top-level tagged sections."""
    stage = None
    for message in messages:
        if message.get("role") == "system":
            first = str(message.get("content", "")).strip().splitlines()[:1]
            if first and first[0].startswith(STAGE_PREFIX):
                stage = first[0][len(STAGE_PREFIX) :].strip()
            break
    user = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
    return stage, _sections(user)


_OPEN_TAG = re.compile(r"<([a-z_]+)>")


def _sections(text: str) -> dict[str, str]:
    # Scan left to right and skip over a whole section once found, so tags quoted inside one
    # section (a document about HTML, say) never shadow a later top-level section.
    found: dict[str, str] = {}
    pos = 0
    while True:
        match = _OPEN_TAG.search(text, pos)
        if match is None:
            return found
        name = match.group(1)
        end = text.find(f"</{name}>", match.end())
        if end < 0:
            pos = match.end()
            continue
        found.setdefault(name, text[match.end() : end].strip())
        pos = end + len(name) + 3


def _digest(messages: Sequence[dict[str, str]], seed: int) -> int:
    canonical = json.dumps(
        [seed, [dict(m) for m in messages]], sort_keys=True, separators=(",", ":")
    )
    return int.from_bytes(hashlib.sha256(canonical.encode("utf-8")).digest()[:8], "big")


def _words(*texts: str) -> list[str]:
    """Distinct plain words of a prompt, in order: the material answers are built from."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in re.findall(r"[A-Za-z][a-z]{3,13}\b", text):
            lower = word.lower()
            # Adverbs and past forms make odd topics ("a poem about reported"); skip them.
            if lower not in _STOPWORDS and not lower.endswith(("ly", "ed")):
                seen.setdefault(lower, None)
    return list(seen)


def _topics(sections: dict[str, str], rng: random.Random, n: int = 3) -> list[str]:
    pool = _words(sections.get("task", ""), sections.get("examples", ""))
    pool += _words(sections.get("context", ""), sections.get("domain", ""))
    pool = list(dict.fromkeys(pool)) or list(_FALLBACK_TOPICS)
    if len(pool) < n:
        pool += [t for t in _FALLBACK_TOPICS if t not in pool]
    return rng.sample(pool, n)


def _fill(template: str, topics: Sequence[str], rng: random.Random) -> str:
    text = template.format(
        a=topics[0],
        b=topics[1],
        c=topics[2],
        form=rng.choice(_FORMS),
        audience=rng.choice(_AUDIENCES),
        situation=rng.choice(_SITUATIONS),
        verb=rng.choice(_VERBS),
    )
    return text[0].upper() + text[1:]


def _count(sections: dict[str, str], default: int = 5) -> int:
    match = re.search(r"\d+", sections.get("count", ""))
    return min(MAX_COUNT, max(1, int(match.group()))) if match else default


def _skill_questions(sections: dict[str, str], rng: random.Random) -> str:
    wanted = _count(sections)
    questions: list[str] = []
    used: set[tuple[str, str]] = set()
    for _ in range(wanted * 20):
        if len(questions) >= wanted:
            break
        template = rng.choice(_QUESTION_TEMPLATES)
        topics = _topics(sections, rng)
        if (template, topics[0]) in used:
            continue
        used.add((template, topics[0]))
        question = _fill(template, topics, rng)
        if question not in questions:
            questions.append(question)
    return _json({"questions": questions})


def _question_judge(sections: dict[str, str], rng: random.Random) -> str:
    verdict = {"relevant": True, "harmless": True, "answerable": True}
    if rng.random() < 0.12:
        verdict[rng.choice(sorted(verdict))] = False
    failed = [name for name, ok in verdict.items() if not ok]
    explanation = (
        f"The question is not {failed[0]} enough for this task."
        if failed
        else "The question asks for the skill in the task, is harmless and can be answered."
    )
    return _json({"explanation": explanation, **verdict})


def _skill_answer(sections: dict[str, str], rng: random.Random) -> str:
    question_words = _words(sections.get("question", ""))
    topics = _topics(sections, rng)
    if question_words:
        topics[0] = rng.choice(question_words)
    opening = f"Here is a clear answer about {topics[0]}."
    sentences = [_fill(t, topics, rng) for t in rng.sample(_ANSWER_SENTENCES, rng.randint(3, 6))]
    return " ".join([opening, *sentences])


def _pair_rating(sections: dict[str, str], rng: random.Random) -> str:
    roll = rng.random()
    score = 3 if roll < 0.55 else 2 if roll < 0.85 else 1
    explanation = {
        3: "The answer is correct, complete and follows the task closely.",
        2: "The answer is useful and mostly correct, with small gaps in detail.",
        1: "The answer misses what the question asks for.",
    }[score]
    return _json({"explanation": explanation, "score": score})


def _grounded_contexts(sections: dict[str, str], rng: random.Random) -> str:
    contexts = []
    for _ in range(_count(sections)):
        topics = _topics(sections, rng)
        chosen = rng.sample(_CONTEXT_SENTENCES, rng.randint(3, 5))
        contexts.append(" ".join(_fill(t, topics, rng) for t in chosen))
    return _json({"contexts": contexts})


def _document_sentences(document: str) -> list[str]:
    sentences = []
    for line in document.splitlines():
        body = line.strip().lstrip("#>*-|0123456789. ").strip()
        for sentence in re.split(r"(?<=[.!?])\s+", body):
            words = sentence.split()
            if 6 <= len(words) <= 60 and sentence[-1:] in ".!?" and sentence in document:
                sentences.append(sentence)
    return list(dict.fromkeys(sentences))


def _knowledge_qa(sections: dict[str, str], rng: random.Random) -> str:
    sentences = _document_sentences(sections.get("document", ""))
    chosen = rng.sample(sentences, min(_count(sections), len(sentences)))
    pairs = []
    for sentence in chosen:
        # Keywords of the quoted sentence itself, so sibling questions share few words.
        words = _words(sentence)
        words += [t for t in _FALLBACK_TOPICS if t not in words][: max(0, 3 - len(words))]
        a, b, c = rng.sample(words, 3)
        question = rng.choice(_KNOWLEDGE_QUESTIONS).format(a=a, b=b, c=c)
        pairs.append({"question": question, "answer": sentence})
    return _json({"pairs": pairs})


def _faithfulness(sections: dict[str, str], rng: random.Random) -> str:
    document = " ".join(sections.get("document", "").split())
    answer = " ".join(sections.get("answer", "").split())
    answer_words = _words(answer)
    overlap = (
        sum(word in _words(document) for word in answer_words) / len(answer_words)
        if answer_words
        else 0.0
    )
    faithful = bool(answer) and (answer in document or overlap >= 0.8)
    if faithful and rng.random() < 0.08:
        faithful = False
        explanation = "The answer overstates what the document says."
    elif faithful:
        explanation = "Every claim in the answer is stated in the document."
    else:
        explanation = "The answer makes claims the document does not support."
    return _json({"explanation": explanation, "faithful": faithful})


def _generic(messages: Sequence[dict[str, str]]) -> str:
    return (
        "This is the labtax fake teacher, an offline stand-in and not a model. "
        "It only understands labtax prompts, so here is a placeholder reply."
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


_BUILDERS = {
    "skill_questions": _skill_questions,
    "question_judge": _question_judge,
    "skill_answer": _skill_answer,
    "pair_rating": _pair_rating,
    "grounded_contexts": _grounded_contexts,
    "knowledge_qa": _knowledge_qa,
    "faithfulness": _faithfulness,
}
_JSON_STAGES = frozenset(_BUILDERS) - {"skill_answer"}


def request_digest(messages: Sequence[dict[str, str]], seed: int = 0) -> int:
    """The number every answer and fault for `messages` is derived from."""
    return _digest(messages, seed)


def fault_for(digest: int, attempt: int, fault_rate: float) -> str | None:
    """The fault injected into attempt `attempt` of the request with `digest`, if any."""
    roll = random.Random(f"{digest}:{attempt}")  # noqa: S311 - fault dice, not secrets
    if roll.random() >= fault_rate:
        return None
    return roll.choice(FAULTS)


def estimate_tokens(text: str) -> int:
    """Token count the fake reports: about four characters per token, like English text."""
    return max(1, math.ceil(len(text) / 4))


def completion_body(request: dict[str, Any], text: str, digest: int) -> dict[str, Any]:
    """An OpenAI chat.completion response for `text`, honouring `max_tokens` like a model would."""
    messages = request.get("messages") or []
    prompt = sum(estimate_tokens(str(m.get("content", ""))) + 4 for m in messages)
    finish = "stop"
    limit = request.get("max_tokens") or request.get("max_completion_tokens")
    if isinstance(limit, int) and limit > 0 and estimate_tokens(text) > limit:
        text, finish = text[: limit * 4], "length"
    completion = estimate_tokens(text) if text else 0
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
        },
    }


# --- server ----------------------------------------------------------------------------------


class FakeTeacherServer(ThreadingHTTPServer):
    """The HTTP server: one daemon thread per connection, a deep accept queue for bursts."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], settings: Settings) -> None:
        super().__init__(address, _Handler)
        self.settings = settings
        self.stats = Stats()

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
        digest = _digest(messages, settings.seed)
        fault = self._fault(digest)
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
        stage, _ = parse_prompt(messages)
        text = "" if fault == "empty" else respond(messages, seed=settings.seed)
        body = completion_body(request, text, digest)
        with stats.lock:
            stats.completions += 1
            stats.stages[stage or "unknown"] += 1
        if fault == "malformed":
            payload = json.dumps(body).encode("utf-8")
            self._send_bytes(HTTPStatus.OK, payload[: len(payload) // 2])
            return
        self._send_json(HTTPStatus.OK, body)

    def _fault(self, digest: int) -> str | None:
        settings = self.server.settings
        if settings.fault_rate <= 0:
            return None
        return fault_for(digest, self._attempt(digest), settings.fault_rate)

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
    host: str = "127.0.0.1", port: int = 0, settings: Settings | None = None
) -> FakeTeacherServer:
    """A bound, not yet serving, fake teacher server (port 0 picks a free port)."""
    return FakeTeacherServer((host, port), settings or Settings())


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
) -> None:
    """Serve until interrupted; `announce` receives the stand-in banner once the port is bound."""
    settings = Settings(latency_ms, fault_rate, seed, hang_s, retry_after_s)
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
) -> tuple[FakeTeacherServer, str]:
    """Start a server on a background thread; returns it (call `.stop()`) and its `/v1` URL."""
    server = make_server(host, port, Settings(latency_ms, fault_rate, seed, hang_s, retry_after_s))
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="fake-teacher", daemon=True
    )
    thread.start()
    return server, server.url

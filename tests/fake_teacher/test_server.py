"""The fake teacher's HTTP side: OpenAI-shaped bodies, usage, injected faults."""

from __future__ import annotations

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from labtax import fake_teacher, prompts
from labtax.fake_teacher import fault_for, request_digest, respond
from labtax.transport import ATTEMPT_HEADER
from labtax.usage import prompt_text
from labtax.util import estimate_message_tokens, estimate_tokens

TASK = "Give a synonym for the word, then use it in a sentence about everyday life."
EXAMPLES = """Example 1
Question:
Give a synonym for happy.
Answer:
Joyful. She felt joyful when the garden finally bloomed."""


def _system(stage: str) -> str:
    """The stage's own system message (how the fake knows the stage), or a foreign one."""
    known = prompts.STAGES.get(stage)
    return known.system_text if known else "You are a careful teacher."


def prompt(stage: str, **sections: str) -> list[dict[str, str]]:
    user = "\n\n".join(prompts.section(name, text) for name, text in sections.items())
    return [
        {"role": "system", "content": _system(stage)},
        {"role": "user", "content": user + "\n"},
    ]


def test_faults_are_deterministic_per_attempt_and_a_retry_gets_through():
    digests = [request_digest(prompt("skill_answer", question=f"q{i}")) for i in range(300)]
    kinds = {fault_for(d, 0, 0.3) for d in digests}
    assert kinds == {None, *fake_teacher.FAULTS}
    faulty = [d for d in digests if fault_for(d, 0, 0.3) is not None]
    assert 50 <= len(faulty) <= 130
    assert [fault_for(d, 0, 0.3) for d in faulty] == [fault_for(d, 0, 0.3) for d in faulty]
    # Every faulty request succeeds within a few attempts.
    assert all(any(fault_for(d, a, 0.3) is None for a in range(1, 8)) for d in faulty)


# --- HTTP --------------------------------------------------------------------------------------


def post(url: str, body: object, *, headers: dict[str, str] | None = None, timeout: float = 5.0):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        conn.request(
            "POST",
            parts.path + "/chat/completions",
            payload,
            {"Content-Type": "application/json", **(headers or {})},
        )
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def get(url: str, path: str):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_chat_completion_is_openai_shaped_with_usage(fake_server):
    server, url = fake_server()
    messages = prompt("skill_questions", task=TASK, examples=EXAMPLES, count="3")
    status, _, raw = post(url, {"model": "labtax-fake-teacher", "messages": messages})
    assert status == 200
    body = json.loads(raw)
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert body["choices"][0]["message"]["content"] == respond(messages)
    usage = body["usage"]
    # labtax's own estimate, so a run over HTTP and one in process record the same usage.
    assert usage["prompt_tokens"] == estimate_message_tokens(messages) > 0
    assert usage["completion_tokens"] == estimate_tokens(respond(messages)) > 0
    assert fake_teacher.token_counts(messages, respond(messages)) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert usage["prompt_tokens_details"] == {"cached_tokens": 0}
    # The same request gets the same answer; only the prefix cache's figure differs.
    again = json.loads(post(url, {"model": "labtax-fake-teacher", "messages": messages})[2])
    assert again["usage"]["prompt_tokens_details"]["cached_tokens"] > 0
    for body_ in (body, again):
        body_["usage"].pop("prompt_tokens_details")
    assert again == body
    assert server.stats.stages["skill_questions"] == 2


def test_the_server_reports_the_prefix_it_has_already_seen_as_cached_tokens(fake_server):
    server, url = fake_server()
    system = {"role": "system", "content": "labtax-stage: skill_answer\n" + "Be careful. " * 40}

    def cached(question: str) -> int:
        messages = [system, {"role": "user", "content": question}]
        body = json.loads(post(url, {"model": "m", "messages": messages})[2])
        return int(body["usage"]["prompt_tokens_details"]["cached_tokens"])

    assert cached("What is a synonym for happy?") == 0
    # A new question after the same system message: the system message's whole blocks are served
    # from the cache, counted in blocks of BLOCK_TOKENS tokens.
    shared = cached("What is a synonym for sad?")
    prefix_chars = len(prompt_text([system]))
    block = fake_teacher.BLOCK_TOKENS
    assert shared % block == 0
    assert (prefix_chars // 4 // block - 1) * block <= shared <= prefix_chars // 4
    # A block is only found again after the very same prefix.
    assert cached("x" + "What is a synonym for sad?") == shared
    other = {"role": "system", "content": "labtax-stage: skill_answer\n" + "Be kind. " * 40}
    body = json.loads(post(url, {"model": "m", "messages": [other, system]})[2])
    assert body["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    assert server.stats.cached_prompt_tokens == 2 * shared


def test_a_truncate_rate_cuts_a_share_of_first_attempts_only(fake_server):
    digests = [request_digest(prompt("skill_answer", question=f"q{i}")) for i in range(400)]
    cut = [d for d in digests if fake_teacher.truncates(d, 0, 0.25)]
    assert 60 <= len(cut) <= 140
    assert not any(fake_teacher.truncates(d, 1, 0.25) for d in digests)
    server, url = fake_server(truncate_rate=1.0)
    messages = prompt("skill_answer", task=TASK, examples=EXAMPLES, question="Give a synonym.")
    first = json.loads(post(url, {"model": "m", "messages": messages})[2])
    headers = {ATTEMPT_HEADER: "1"}
    second = json.loads(post(url, {"model": "m", "messages": messages}, headers=headers)[2])
    assert first["choices"][0]["finish_reason"] == "length"
    assert second["choices"][0]["finish_reason"] == "stop"
    whole = second["choices"][0]["message"]["content"]
    assert whole == respond(messages)
    assert first["choices"][0]["message"]["content"] == whole[: len(whole) // 2]
    assert server.stats.truncated == 1


def test_max_tokens_truncates_like_a_model(fake_server):
    _, url = fake_server()
    messages = prompt("skill_questions", task=TASK, examples=EXAMPLES, count="20")
    body = json.loads(post(url, {"model": "m", "messages": messages, "max_tokens": 10})[2])
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] <= 10


def test_health_models_and_errors(fake_server):
    _, url = fake_server()
    assert get(url, "/health") == (
        200,
        {"status": "ok", "model": "labtax-fake-teacher", "fake": True},
    )
    status, models = get(url, "/v1/models")
    assert status == 200
    assert models["data"][0]["id"] == "labtax-fake-teacher"
    assert get(url, "/nothing")[0] == 404
    assert post(url, b"{not json")[0] == 400
    assert post(url, {"messages": "nope"})[0] == 400


def find_request(kind: str, rate: float = 1.0) -> list[dict[str, str]]:
    for i in range(1000):
        messages = prompt("skill_answer", question=f"fault probe {i}")
        if fault_for(request_digest(messages), 0, rate) == kind:
            return messages
    raise AssertionError(kind)


def test_injected_faults_over_http(fake_server):
    server, url = fake_server(fault_rate=1.0, retry_after_s=2, hang_s=1.0)
    first = {ATTEMPT_HEADER: "0"}

    status, headers, _ = post(url, {"messages": find_request("rate_limit")}, headers=first)
    assert status == 429
    assert headers["Retry-After"] == "2"

    status, _, raw = post(url, {"messages": find_request("server_error")}, headers=first)
    assert status == 500
    assert "error" in json.loads(raw)

    status, _, raw = post(url, {"messages": find_request("malformed")}, headers=first)
    assert status == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)

    status, _, raw = post(url, {"messages": find_request("empty")}, headers=first)
    assert status == 200
    assert json.loads(raw)["choices"][0]["message"]["content"] == ""

    started = time.monotonic()
    with pytest.raises((TimeoutError, OSError)):
        post(url, {"messages": find_request("hang")}, headers=first, timeout=0.3)
    assert time.monotonic() - started < 1.0
    assert server.stats.faults == dict.fromkeys(fake_teacher.FAULTS, 1)


def test_without_attempt_header_the_server_counts_attempts(fake_server):
    _, url = fake_server(fault_rate=0.5, hang_s=0.1)
    messages = find_request("server_error", 0.5)
    statuses = []
    for _ in range(10):
        try:
            statuses.append(post(url, {"messages": messages}, timeout=2)[0])
        except (TimeoutError, OSError, http.client.HTTPException):
            statuses.append(-1)
    assert statuses[0] == 500
    assert 200 in statuses


def test_slow_answers_overlap_instead_of_queueing(fake_server):
    server, url = fake_server(latency_ms=200)
    messages = [prompt("skill_answer", question=f"parallel {i}") for i in range(64)]
    started = time.monotonic()
    with ThreadPoolExecutor(64) as pool:
        statuses = list(pool.map(lambda m: post(url, {"messages": m}, timeout=20)[0], messages))
    elapsed = time.monotonic() - started
    assert statuses == [200] * 64
    assert elapsed < 3.0  # 64 x 200 ms one after another would take 12.8 s
    assert server.stats.max_in_flight >= 16

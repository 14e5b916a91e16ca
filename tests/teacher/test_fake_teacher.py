"""The fake teacher: deterministic protocol-shaped answers per stage, faults, the HTTP server."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from labtax import fake_teacher
from labtax.fake_teacher import fault_for, request_digest, respond

TASK = "Give a synonym for the word, then use it in a sentence about everyday life."
EXAMPLES = """Example 1
Question:
Give a synonym for happy.
Answer:
Joyful. She felt joyful when the garden finally bloomed.

Example 2
Question:
Give a synonym for quick.
Answer:
Rapid. The rapid river carried the leaves downstream."""
DOCUMENT = """# Honey bees

Honey bees live in colonies that can hold tens of thousands of workers.
The queen lays all the eggs, while workers gather nectar and pollen from flowers.
Drones are male bees whose main role is to mate with a queen from another colony.
Bees communicate the direction of food with a movement called the waggle dance.
In winter the colony clusters together and shivers to keep the queen warm."""

PII = [
    re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),  # email
    re.compile(r"\d{3}[\s.-]?\d{3}[\s.-]?\d{4}"),  # phone
    re.compile(r"\d{3}-\d{2}-\d{4}"),  # SSN
    re.compile(r"\b(?:\d[ -]?){13,19}\b"),  # card
    re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b"),  # IBAN
    re.compile(r"\b(?:sk|pk|ghp|xox[bp])[-_][A-Za-z0-9]{10,}"),  # API key
    re.compile(r"\b[A-Za-z0-9_\-]{32,}\b"),  # long token
]


def prompt(stage: str, **sections: str) -> list[dict[str, str]]:
    user = "\n\n".join(f"<{name}>\n{text}\n</{name}>" for name, text in sections.items())
    return [
        {"role": "system", "content": f"labtax-stage: {stage}\nYou are a careful teacher."},
        {"role": "user", "content": user + "\n\nAnswer with JSON only.\n"},
    ]


def parse_json(text: str) -> dict:
    fenced = re.fullmatch(r"```(?:json)?\n(.*)\n```", text, flags=re.DOTALL)
    value = json.loads(fenced.group(1) if fenced else text)
    assert isinstance(value, dict)
    return value


def assert_no_pii(text: str) -> None:
    for pattern in PII:
        assert not pattern.search(text), (pattern.pattern, text)


def test_skill_questions_are_many_distinct_and_new():
    answer = parse_json(
        respond(prompt("skill_questions", task=TASK, examples=EXAMPLES, count="12"))
    )
    questions = answer["questions"]
    assert len(questions) == 12
    assert len(set(questions)) == 12
    assert all(isinstance(q, str) and q.endswith(("?", ".")) and len(q) > 15 for q in questions)
    assert not {"Give a synonym for happy.", "Give a synonym for quick."} & set(questions)
    # Built from the prompt's own material.
    assert any(word in " ".join(questions).lower() for word in ("synonym", "sentence", "joyful"))
    assert_no_pii(" ".join(questions))


def test_questions_are_not_near_duplicates_of_each_other():
    from rapidfuzz.distance import LCSseq

    questions = parse_json(
        respond(prompt("skill_questions", task=TASK, examples=EXAMPLES, count="20"))
    )["questions"]
    close = 0
    for i, first in enumerate(questions):
        for second in questions[i + 1 :]:
            a, b = first.lower().split(), second.lower().split()
            lcs = LCSseq.similarity(a, b)
            f1 = 2 * lcs / (len(a) + len(b))
            close += f1 >= 0.9
    assert close == 0


def test_grounded_contexts_honour_the_count_and_differ():
    contexts = parse_json(
        respond(prompt("grounded_contexts", task=TASK, examples=EXAMPLES, count="4"))
    )["contexts"]
    assert len(contexts) == 4
    assert len(set(contexts)) == 4
    assert all(len(c.split()) >= 25 for c in contexts)
    assert_no_pii(" ".join(contexts))


def test_knowledge_pairs_quote_the_document():
    pairs = parse_json(
        respond(
            prompt(
                "knowledge_qa",
                domain="biology",
                outline="Honey bee colonies",
                examples=EXAMPLES,
                document=DOCUMENT,
                count="3",
            )
        )
    )["pairs"]
    assert len(pairs) == 3
    for pair in pairs:
        assert pair["question"].endswith("?")
        assert pair["answer"] in DOCUMENT
    assert len({p["answer"] for p in pairs}) == 3


def test_faithfulness_accepts_quotes_and_rejects_inventions():
    verdicts = [
        parse_json(
            respond(
                prompt(
                    "faithfulness",
                    document=DOCUMENT,
                    question=f"What about bees? ({i})",
                    answer="The queen lays all the eggs, while workers gather nectar and pollen"
                    " from flowers.",
                )
            )
        )
        for i in range(40)
    ]
    assert all(isinstance(v["explanation"], str) and v["explanation"] for v in verdicts)
    faithful = sum(v["faithful"] for v in verdicts)
    assert 30 <= faithful < 40  # mostly faithful, a deterministic minority not
    invented = parse_json(
        respond(
            prompt(
                "faithfulness",
                document=DOCUMENT,
                question="Where do bees migrate?",
                answer="Bees migrate to tropical islands every autumn on cargo ships.",
            )
        )
    )
    assert invented["faithful"] is False


def test_judge_verdicts_are_mostly_positive_with_a_minority_negative():
    verdicts = [
        parse_json(respond(prompt("question_judge", task=TASK, question=f"Synonym for {i}?")))
        for i in range(200)
    ]
    for verdict in verdicts:
        assert next(iter(verdict)) == "explanation"
        assert all(isinstance(verdict[k], bool) for k in ("relevant", "harmless", "answerable"))
    positive = sum(all(v[k] for k in ("relevant", "harmless", "answerable")) for v in verdicts)
    assert 150 <= positive <= 195


def test_pair_ratings_are_mostly_two_or_three_with_some_ones():
    scores = [
        parse_json(
            respond(prompt("pair_rating", task=TASK, question=f"Q{i}?", answer="Rapid. It ran."))
        )["score"]
        for i in range(200)
    ]
    assert set(scores) == {1, 2, 3}
    assert scores.count(1) < 60
    assert scores.count(3) > scores.count(1)


def test_skill_answers_are_plain_text_of_reasonable_length():
    answers = [
        respond(prompt("skill_answer", task=TASK, examples=EXAMPLES, question=f"Synonym for {w}?"))
        for w in ("bright", "calm", "brave", "gentle")
    ]
    assert len(set(answers)) == 4
    for answer in answers:
        assert 20 <= len(answer.split()) <= 200
        assert not answer.startswith(("{", "```"))
        assert_no_pii(answer)


def test_answers_are_deterministic_and_depend_on_the_messages_and_seed():
    messages = prompt("skill_questions", task=TASK, examples=EXAMPLES, count="5")
    assert respond(messages) == respond([dict(m) for m in messages])
    assert respond(messages) != respond(prompt("skill_questions", task=TASK, count="5"))
    assert respond(messages, seed=1) != respond(messages, seed=2)


def test_unknown_prompts_get_a_generic_answer():
    text = respond([{"role": "user", "content": "What is the capital of France?"}])
    assert "not a model" in text


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
    assert usage["prompt_tokens"] > 0
    assert usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    # The same request gets byte-identical bytes.
    assert post(url, {"model": "labtax-fake-teacher", "messages": messages})[2] == raw
    assert server.stats.stages["skill_questions"] == 2


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
    first = {"X-Labtax-Attempt": "0"}

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


def test_cli_banner_says_it_is_not_a_model():
    proc = subprocess.Popen(
        [sys.executable, "-m", "labtax", "fake-teacher", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", url)
        assert get(url, "/health")[0] == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "OFFLINE STAND-IN, NOT A MODEL" in err
    assert url in err


def test_cli_rejects_a_bad_fault_rate():
    done = subprocess.run(
        [sys.executable, "-m", "labtax", "fake-teacher", "--fault-rate", "2"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "fault-rate" in done.stderr

"""The litellm transport end to end, under the teacher's policy, against fake teacher servers.

Importing litellm takes seconds, so every test that needs it lives in this one module.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from labtax import fake_teacher
from labtax.cache import ResponseCache
from labtax.config import TeacherConfig
from labtax.teacher import Budget, BudgetExceeded, RetryPolicy, Teacher, make_teacher
from labtax.transport import (
    CallParams,
    LitellmTransport,
    TeacherError,
    TransientError,
    Unreachable,
)

pytest.importorskip("litellm")

FAST_RETRIES = RetryPolicy(retries=10, base_delay=0.02, max_delay=0.2)


def msgs(i: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "labtax-stage: skill_answer\nBe helpful."},
        {
            "role": "user",
            "content": "<task>\nExplain things.\n</task>\n\n"
            f"<question>\nHow do kites fly, case {i}?\n</question>\n",
        },
    ]


def settings(url: str, **changes: object) -> TeacherConfig:
    return replace(TeacherConfig(api_base=url, timeout=1.0, concurrency=16), **changes)


def teacher_for(config: TeacherConfig, cache: Path, budget: Budget | None = None) -> Teacher:
    return Teacher(
        config,
        LitellmTransport(config),
        cache=ResponseCache(cache),
        budget=budget,
        policy=FAST_RETRIES,
    )


async def ask(teacher: Teacher, indexes: range) -> list:
    return await asyncio.gather(*(teacher.complete(msgs(i), stage="skill_answer") for i in indexes))


def test_thirty_percent_faults_still_complete_every_call_and_rerun_is_free(
    fake_server, tmp_path: Path
):
    server, url = fake_server(fault_rate=0.3, hang_s=3.0, retry_after_s=0.05)
    teacher = teacher_for(settings(url), tmp_path)
    results = asyncio.run(ask(teacher, range(80)))

    # An empty answer is a call the server bills: counted, then asked again.
    assert teacher.usage.calls == 80 + server.stats.faults["empty"]
    # Every kind of fault was met on the way and got past (the server counts them).
    assert set(server.stats.faults) == set(fake_teacher.FAULTS)
    assert server.stats.requests > 80
    # The fake sends an empty answer to a first attempt only: nothing differs from a clean run.
    for i, result in enumerate(results):
        assert result.text == fake_teacher.respond(msgs(i))
        assert result.prompt_tokens > 0
        assert result.completion_tokens > 0
        assert result.cost_usd is None
        assert result.cached is False
    assert teacher.usage.cost_usd is None

    before = server.stats.requests
    again = teacher_for(settings(url), tmp_path)
    rerun = asyncio.run(ask(again, range(80)))
    assert server.stats.requests == before
    assert again.usage.calls == 0
    assert [(r.text, r.prompt_tokens, r.completion_tokens) for r in rerun] == [
        (r.text, r.prompt_tokens, r.completion_tokens) for r in results
    ]


def test_router_splits_calls_across_two_servers(fake_server, tmp_path: Path):
    first, url1 = fake_server(latency_ms=20)
    second, url2 = fake_server(latency_ms=20)
    config = replace(TeacherConfig(), api_bases=(url1, url2), timeout=5.0, concurrency=8)
    teacher = make_teacher(config, tmp_path, Budget())
    results = asyncio.run(ask(teacher, range(60)))
    assert [r.text for r in results] == [fake_teacher.respond(msgs(i)) for i in range(60)]
    assert first.stats.completions + second.stats.completions == 60
    assert first.stats.completions >= 12
    assert second.stats.completions >= 12


def test_router_fails_over_from_a_faulty_server(fake_server, tmp_path: Path):
    _, healthy = fake_server()
    broken, faulty = fake_server(fault_rate=1.0, hang_s=0.5)
    config = replace(TeacherConfig(), api_bases=(healthy, faulty), timeout=0.5, concurrency=8)
    teacher = teacher_for(config, tmp_path)
    results = asyncio.run(ask(teacher, range(30)))
    assert len(results) == 30
    assert broken.stats.requests > 0
    # An empty answer is a call (billed, counted) that is asked again.
    assert teacher.usage.calls == 30 + broken.stats.faults["empty"]


def test_concurrency_bound_holds_on_the_wire(fake_server, tmp_path: Path):
    server, url = fake_server(latency_ms=100)
    teacher = teacher_for(settings(url, concurrency=5, timeout=10.0), tmp_path)
    asyncio.run(ask(teacher, range(25)))
    assert server.stats.max_in_flight == 5


def test_retry_after_from_a_real_429_reaches_the_policy(fake_server):
    _, url = fake_server(fault_rate=1.0, retry_after_s=7)
    transport = LitellmTransport(settings(url))
    messages = next(
        m
        for m in (msgs(i) for i in range(500))
        if fake_teacher.fault_for(fake_teacher.request_digest(m), 0, 1.0) == "rate_limit"
    )

    async def go():
        with pytest.raises(TransientError) as caught:
            await transport.send(messages, 0, CallParams(0.7, 64))
        return caught.value

    assert asyncio.run(go()).retry_after == 7.0


def test_a_server_that_keeps_failing_gives_a_teacher_error(fake_server, tmp_path: Path):
    _, url = fake_server(fault_rate=1.0, hang_s=0.3)
    config = settings(url, timeout=0.3)
    teacher = Teacher(
        config,
        LitellmTransport(config),
        cache=ResponseCache(tmp_path),
        policy=RetryPolicy(retries=2, base_delay=0.01, max_delay=0.02, max_retry_after=0.05),
    )
    messages = next(
        m
        for m in (msgs(i) for i in range(2000))
        if all(
            fake_teacher.fault_for(fake_teacher.request_digest(m), a, 1.0)
            in ("server_error", "rate_limit")
            for a in range(3)
        )
    )
    with pytest.raises(TeacherError, match="failed after 3 attempts"):
        asyncio.run(teacher.complete(messages, stage="skill_answer"))


def test_a_refused_request_is_not_retried(fake_server, tmp_path: Path):
    server, url = fake_server()
    teacher = teacher_for(settings(url + "/no-such-route"), tmp_path)
    with pytest.raises(TeacherError, match="refused"):
        asyncio.run(teacher.complete(msgs(0), stage="skill_answer"))
    assert server.stats.requests == 0


def test_known_prices_are_counted_and_the_cost_budget_stops_before_going_over(
    fake_server, tmp_path: Path
):
    _, url = fake_server()
    # litellm knows this model's price; the fake server answers whatever the model name.
    config = settings(url, model="openai/gpt-4o-mini", max_tokens=200, concurrency=4)
    probe = teacher_for(config, tmp_path / "probe")
    one = asyncio.run(probe.complete(msgs(0), stage="skill_answer"))
    assert one.cost_usd is not None
    assert one.cost_usd > 0
    assert probe.usage.cost_known

    limit = one.cost_usd * 6
    teacher = teacher_for(config, tmp_path / "run", Budget(max_cost_usd=limit))
    results = asyncio.run(asyncio.wait_for(_gather_settled(teacher, 40), timeout=60))
    done = [r for r in results if not isinstance(r, BaseException)]
    stopped = [r for r in results if isinstance(r, BudgetExceeded)]
    assert len(done) + len(stopped) == 40
    assert stopped
    assert done
    assert teacher.usage.cost_usd <= limit
    assert teacher.usage.calls == len(done)


async def _gather_settled(teacher: Teacher, n: int) -> list:
    return await asyncio.gather(
        *(teacher.complete(msgs(i), stage="skill_answer") for i in range(n)),
        return_exceptions=True,
    )


def test_cut_answers_are_asked_again_and_stored_whole_under_their_own_key(
    fake_server, tmp_path: Path
):
    server, url = fake_server(truncate_rate=1.0)
    teacher = teacher_for(settings(url), tmp_path)
    results = asyncio.run(ask(teacher, range(6)))
    assert [r.text for r in results] == [fake_teacher.respond(msgs(i)) for i in range(6)]
    assert server.stats.truncated == 6
    assert teacher.usage.calls == 12
    cache = ResponseCache(tmp_path)
    for result in results:
        stored = cache.get(result.request)
        assert stored is not None
        assert stored.text == result.text
    assert len(list(tmp_path.rglob("*.json"))) == 6


def test_the_servers_prefix_cache_figure_comes_through_litellm(fake_server, tmp_path: Path):
    server, url = fake_server()
    teacher = teacher_for(settings(url, concurrency=1), tmp_path)
    first = asyncio.run(teacher.complete(msgs(0), stage="skill_answer"))
    second = asyncio.run(teacher.complete(msgs(1), stage="skill_answer"))
    assert first.cached_prompt_tokens == 0
    assert 0 < second.cached_prompt_tokens < second.prompt_tokens
    assert teacher.usage.cached_prompt_tokens == server.stats.cached_prompt_tokens


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_refused_connection_is_retried_then_named_once(tmp_path: Path):
    url = f"http://127.0.0.1:{_free_port()}/v1"
    teacher = Teacher(
        settings(url),
        LitellmTransport(settings(url)),
        cache=ResponseCache(tmp_path),
        policy=RetryPolicy(retries=2, base_delay=0.01, max_delay=0.02),
    )

    async def go() -> list[BaseException]:
        return await asyncio.gather(
            *(teacher.complete(msgs(i), stage="skill_answer") for i in range(5)),
            return_exceptions=True,
        )

    errors = asyncio.run(go())
    assert all(isinstance(e, Unreachable) for e in errors)
    # One error, naming the URL, whichever call met it first.
    assert len({str(e) for e in errors}) == 1
    assert f"cannot reach the teacher at {url}: the connection was refused" in str(errors[0])
    assert "labtax fake-teacher" in errors[0].hint
    # The student `labtax eval` asks is named as the student.
    student = replace(settings(url), role="student")
    asked = Teacher(
        student,
        LitellmTransport(student),
        cache=ResponseCache(tmp_path),
        policy=RetryPolicy(retries=0),
    )
    with pytest.raises(Unreachable, match="cannot reach the student at"):
        asyncio.run(asked.complete(msgs(0), stage="student_answer"))


def test_a_host_name_that_does_not_resolve_fails_at_once(tmp_path: Path):
    url = "http://labtax-no-such-host.invalid/v1"
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    teacher = Teacher(
        settings(url), LitellmTransport(settings(url)), cache=None, policy=FAST_RETRIES, sleep=sleep
    )
    with pytest.raises(Unreachable, match="host name does not resolve") as caught:
        asyncio.run(teacher.complete(msgs(0), stage="skill_answer"))
    assert "check the host name" in caught.value.hint
    assert sleeps == []

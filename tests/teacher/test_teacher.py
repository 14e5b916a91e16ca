"""Teacher policy with a scripted transport (no litellm): cache, budget, retries, concurrency."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from labtax.cache import Answer, ResponseCache, request_key
from labtax.config import TeacherConfig
from labtax.errors import LabtaxError
from labtax.teacher import (
    Budget,
    BudgetExceeded,
    EmptyAnswer,
    Pacer,
    RetryPolicy,
    Spending,
    Teacher,
    TruncatedAnswer,
)
from labtax.transport import CallParams, TeacherError, TransientError, Unreachable
from labtax.usage import Usage


def msgs(i: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "labtax-stage: skill_answer\nBe helpful."},
        {"role": "user", "content": f"<question>\nQuestion number {i}?\n</question>\n"},
    ]


@dataclass
class Script:
    """A transport that answers from a script and records what it was asked."""

    cost: float | None = 0.001
    estimate: float | None = 0.002
    failures: dict[int, list[BaseException]] = field(default_factory=dict)
    delay: float = 0.0
    text: str = "an answer"
    attempts: list[tuple[str, int]] = field(default_factory=list)
    params: list[object] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    async def send(
        self, messages: Sequence[dict[str, str]], attempt: int, params: object = None
    ) -> Answer:
        content = messages[-1]["content"]
        self.attempts.append((content, attempt))
        self.params.append(params)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            queue = self.failures.get(len(self.attempts) - 1)
            if queue:
                raise queue.pop(0)
            return Answer(self.text, 100, 20, self.cost)
        finally:
            self.in_flight -= 1

    async def estimate_cost(self, messages: Sequence[dict[str, str]], params=None) -> float | None:
        return self.estimate


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make(
    transport: Script,
    tmp_path: Path | None = None,
    *,
    budget: Budget | None = None,
    concurrency: int = 8,
    retries: int = 5,
    sleeps: Sleeps | None = None,
) -> Teacher:
    return Teacher(
        TeacherConfig(concurrency=concurrency, retries=retries),
        transport,
        cache=ResponseCache(tmp_path) if tmp_path else None,
        budget=budget,
        sleep=sleeps or Sleeps(),
        rng=random.Random(0),
    )


def run(coro):
    return asyncio.run(coro)


# --- cache -------------------------------------------------------------------------------------


def test_second_identical_request_is_served_from_the_cache(tmp_path: Path):
    transport = Script()

    async def go():
        teacher = make(transport, tmp_path)
        first = await teacher.complete(msgs(1), stage="skill_answer")
        second = await teacher.complete(msgs(1), stage="skill_answer")
        return teacher, first, second

    teacher, first, second = run(go())
    assert len(transport.attempts) == 1
    assert (first.cached, second.cached) == (False, True)
    assert (second.text, second.prompt_tokens, second.completion_tokens, second.cost_usd) == (
        first.text,
        first.prompt_tokens,
        first.completion_tokens,
        first.cost_usd,
    )
    # The run total counts what was sent: the cached answer cost this run nothing.
    assert teacher.usage == Usage(
        calls=1, cached_calls=1, prompt_tokens=100, completion_tokens=20, cost_usd=0.001
    )


def test_every_answer_names_the_cache_key_of_its_request(tmp_path: Path):
    transport = Script()

    async def go():
        teacher = make(transport, tmp_path)
        sent = await teacher.complete(msgs(1), stage="skill_answer")
        cached = await teacher.complete(msgs(1), stage="skill_answer")
        shared = await asyncio.gather(*(teacher.complete(msgs(2), stage="s") for _ in range(2)))
        return teacher, sent, cached, shared

    teacher, sent, cached, shared = run(go())
    # The teacher owns the key: sent, cached or shared, an answer carries the one it stored under.
    assert (
        sent.request
        == cached.request
        == request_key(teacher.request(msgs(1), teacher.default_params))
    )
    assert [c.request for c in shared] == [
        request_key(teacher.request(msgs(2), teacher.default_params))
    ] * 2
    assert ResponseCache(tmp_path).get(sent.request) is not None


def test_the_servers_prefix_cache_figure_is_metered(tmp_path: Path):
    class Prefixed(Script):
        async def send(self, messages, attempt, params=None):
            answer = await super().send(messages, attempt, params)
            return Answer(answer.text, 100, 20, None, cached_prompt_tokens=64)

    async def go():
        teacher = make(Prefixed(), tmp_path)
        first = await teacher.complete(msgs(1), stage="s")
        again = await teacher.complete(msgs(1), stage="s")
        return teacher, first, again

    teacher, first, again = run(go())
    assert (first.cached_prompt_tokens, again.cached_prompt_tokens) == (64, 64)
    # The run total counts the calls sent, as for the other figures.
    assert teacher.usage.cached_prompt_tokens == 64


def test_a_new_teacher_on_the_same_cache_makes_zero_calls(tmp_path: Path):
    transport = Script()

    async def go(teacher: Teacher):
        return await asyncio.gather(*(teacher.complete(msgs(i), stage="s") for i in range(10)))

    first = run(go(make(transport, tmp_path)))
    again = make(Script(), tmp_path)
    second = run(go(again))
    assert again.usage.calls == 0
    assert again.usage.cached_calls == 10
    assert [c.text for c in first] == [c.text for c in second]
    assert all(c.cached for c in second)


def test_parameters_are_part_of_the_cache_key(tmp_path: Path):
    transport = Script()

    async def go():
        for temperature in (0.7, 0.0):
            teacher = Teacher(
                TeacherConfig(temperature=temperature), transport, cache=ResponseCache(tmp_path)
            )
            await teacher.complete(msgs(1), stage="s")

    run(go())
    assert len(transport.attempts) == 2


def test_concurrent_identical_requests_share_one_call(tmp_path: Path):
    transport = Script(delay=0.02)

    async def go():
        teacher = make(transport, tmp_path)
        results = await asyncio.gather(*(teacher.complete(msgs(7), stage="s") for _ in range(5)))
        return teacher, results

    teacher, results = run(go())
    assert len(transport.attempts) == 1
    assert sorted(r.cached for r in results) == [False, True, True, True, True]
    assert teacher.usage.calls == 1
    assert teacher.usage.cached_calls == 4


def test_an_empty_answer_is_asked_again_once_then_an_empty_answer_error_counting_both_calls(
    tmp_path: Path,
):
    transport = Script(text="  \n")
    teacher = make(transport, tmp_path, budget=Budget(max_calls=10))
    with pytest.raises(EmptyAnswer) as caught:
        run(teacher.complete(msgs(1), stage="skill_answer"))
    assert caught.value.reason == "empty"
    assert "'skill_answer' was empty, 2 times" in caught.value.message
    # Asked twice (the attempt numbered on), never cached, and both calls billed and counted.
    assert [attempt for _, attempt in transport.attempts] == [0, 1]
    assert teacher.usage.calls == 2
    assert teacher.usage.prompt_tokens == 200
    assert teacher.spending.calls == 2
    transport.text = "an answer"
    assert run(teacher.complete(msgs(1), stage="skill_answer")).cached is False


def test_empty_answers_count_against_the_call_budget(tmp_path: Path):
    transport = Script(text="")
    teacher = make(transport, tmp_path, budget=Budget(max_calls=3))
    with pytest.raises(EmptyAnswer):
        run(teacher.complete(msgs(1), stage="s"))
    # The retry of the second request would be call 4.
    with pytest.raises(BudgetExceeded):
        run(teacher.complete(msgs(2), stage="s"))
    assert len(transport.attempts) == 3
    assert teacher.usage.calls == 3


def test_one_empty_answer_then_a_real_one_is_the_answer(tmp_path: Path):
    transport = Script()
    real = transport.send

    async def first_empty(messages, attempt, params=None):
        answer = await real(messages, attempt, params)
        return replace(answer, text="") if attempt == 0 else answer

    transport.send = first_empty  # type: ignore[method-assign]
    teacher = make(transport, tmp_path)
    done = run(teacher.complete(msgs(1), stage="s"))
    assert done.text == "an answer"
    assert teacher.usage.calls == 2
    assert run(make(transport, tmp_path).complete(msgs(1), stage="s")).cached


# --- budget ------------------------------------------------------------------------------------


def test_call_budget_stops_before_the_call_that_would_exceed_it():
    transport = Script()

    async def go():
        teacher = make(transport, budget=Budget(max_calls=3))
        done = [await teacher.complete(msgs(i), stage="s") for i in range(3)]
        with pytest.raises(BudgetExceeded, match="call budget"):
            await teacher.complete(msgs(3), stage="s")
        return teacher, done

    teacher, done = run(go())
    assert len(done) == 3
    assert len(transport.attempts) == 3
    assert teacher.usage.calls == 3


def test_two_teachers_sharing_spending_share_one_budget():
    student, judge = Script(), Script()

    async def go():
        spending = Spending(Budget(max_calls=3))
        asked = Teacher(TeacherConfig(model="a"), student, cache=None, spending=spending)
        judged = Teacher(TeacherConfig(model="b"), judge, cache=None, spending=spending)
        await asked.complete(msgs(0), stage="s")
        await judged.complete(msgs(1), stage="s")
        await asked.complete(msgs(2), stage="s")
        with pytest.raises(BudgetExceeded, match="3 of 3 used"):
            await judged.complete(msgs(3), stage="s")
        return asked, judged, spending

    asked, judged, spending = run(go())
    assert (len(student.attempts), len(judge.attempts)) == (2, 1)
    # Each teacher reports its own usage; the budget counts both.
    assert (asked.usage.calls, judged.usage.calls, spending.calls) == (2, 1, 3)
    assert asked.budget is judged.budget


def test_call_budget_holds_under_concurrency():
    transport = Script(delay=0.01)

    async def go():
        teacher = make(transport, budget=Budget(max_calls=4), concurrency=8)
        return await asyncio.gather(
            *(teacher.complete(msgs(i), stage="s") for i in range(10)), return_exceptions=True
        )

    results = run(go())
    assert sum(isinstance(r, BudgetExceeded) for r in results) == 6
    assert len(transport.attempts) == 4


def test_a_failed_call_gives_its_reservation_back():
    transport = Script(failures={0: [TeacherError("refused")]})

    async def go():
        teacher = make(transport, budget=Budget(max_calls=2))
        with pytest.raises(TeacherError):
            await teacher.complete(msgs(0), stage="s")
        await teacher.complete(msgs(1), stage="s")
        await teacher.complete(msgs(2), stage="s")
        with pytest.raises(BudgetExceeded):
            await teacher.complete(msgs(3), stage="s")
        return teacher

    assert run(go()).usage.calls == 2


def test_cost_budget_never_goes_over_and_stops_before_sending():
    # Each call may cost up to 0.01 (the estimate) but actually costs 0.004.
    transport = Script(cost=0.004, estimate=0.01)

    async def go():
        teacher = make(transport, budget=Budget(max_cost_usd=0.02))
        done = 0
        stop: BudgetExceeded | None = None
        for i in range(100):
            try:
                await teacher.complete(msgs(i), stage="s")
            except BudgetExceeded as exc:
                stop = exc
                break
            done += 1
        assert stop is not None
        assert "cost budget" in stop.message
        return teacher, done

    teacher, done = run(go())
    # Spent + estimate: 0 + .01, .004 + .01, .008 + .01 fit in .02; .012 + .01 would not.
    assert done == 3
    assert len(transport.attempts) == 3
    assert teacher.usage.cost_usd == pytest.approx(0.012)
    assert teacher.usage.cost_usd <= 0.02


def test_cost_budget_under_concurrency_waits_for_running_calls_then_stops():
    transport = Script(cost=0.004, estimate=0.01, delay=0.01)

    async def go():
        teacher = make(transport, budget=Budget(max_cost_usd=0.05), concurrency=16)
        results = await asyncio.gather(
            *(teacher.complete(msgs(i), stage="s") for i in range(40)), return_exceptions=True
        )
        return teacher, results

    teacher, results = run(go())
    finished = [r for r in results if not isinstance(r, BaseException)]
    assert all(isinstance(r, BudgetExceeded) for r in results if isinstance(r, BaseException))
    assert teacher.usage.cost_usd <= 0.05
    # Waiting for running calls to settle lets more through than reserving worst cases would (5).
    assert len(finished) > 5
    assert len(transport.attempts) == len(finished)


def test_cost_budget_with_unknown_price_refuses_before_any_call():
    transport = Script(estimate=None)
    with pytest.raises(BudgetExceeded, match="--max-cost needs a price"):
        run(make(transport, budget=Budget(max_cost_usd=1.0)).complete(msgs(0), stage="s"))
    assert transport.attempts == []


def test_cached_answers_do_not_use_the_budget(tmp_path: Path):
    run(make(Script(), tmp_path).complete(msgs(0), stage="s"))
    transport = Script()

    async def go():
        teacher = make(transport, tmp_path, budget=Budget(max_calls=1))
        await teacher.complete(msgs(0), stage="s")
        await teacher.complete(msgs(1), stage="s")
        with pytest.raises(BudgetExceeded):
            await teacher.complete(msgs(2), stage="s")

    run(go())
    assert len(transport.attempts) == 1


# --- retries -----------------------------------------------------------------------------------


def test_retry_after_is_honoured_then_the_call_succeeds():
    transport = Script(
        failures={
            0: [TransientError("429", retry_after=2.0)],
            1: [TransientError("429", retry_after=3.0)],
        }
    )
    sleeps = Sleeps()
    completion = run(make(transport, sleeps=sleeps).complete(msgs(0), stage="s"))
    assert completion.text == "an answer"
    assert [a for _, a in transport.attempts] == [0, 1, 2]
    assert len(sleeps.calls) == 2
    assert 2.0 <= sleeps.calls[0] <= 2.2
    assert 3.0 <= sleeps.calls[1] <= 3.3


def test_gives_up_after_the_configured_retries():
    failures = {i: [TransientError("500 server error")] for i in range(10)}
    transport = Script(failures=failures)
    sleeps = Sleeps()
    with pytest.raises(TeacherError, match="failed after 4 attempts"):
        run(make(transport, retries=3, sleeps=sleeps).complete(msgs(0), stage="skill_answer"))
    assert [a for _, a in transport.attempts] == [0, 1, 2, 3]
    assert len(sleeps.calls) == 3
    # Exponential: each wait is at least half the nominal backoff 0.5, 1, 2.
    assert sleeps.calls[0] >= 0.25
    assert sleeps.calls[1] >= 0.5
    assert sleeps.calls[2] >= 1.0


def test_permanent_errors_are_not_retried():
    transport = Script(failures={0: [TeacherError("401 unauthorised")]})
    sleeps = Sleeps()
    with pytest.raises(TeacherError, match="401"):
        run(make(transport, sleeps=sleeps).complete(msgs(0), stage="s"))
    assert len(transport.attempts) == 1
    assert sleeps.calls == []


def test_retry_policy_delays():
    policy = RetryPolicy(retries=5, base_delay=0.5, max_delay=4.0, max_retry_after=60.0)
    rng = random.Random(1)
    for attempt, nominal in enumerate([0.5, 1.0, 2.0, 4.0, 4.0, 4.0]):
        for _ in range(50):
            delay = policy.delay(attempt, None, rng)
            assert nominal / 2 <= delay <= nominal
    # Retry-After is a floor, jittered upward by at most 10 %, and capped.
    for _ in range(50):
        assert 10.0 <= policy.delay(0, 10.0, rng) <= 11.0
        assert 60.0 <= policy.delay(0, 3600.0, rng) <= 66.0
        assert policy.delay(3, 0.1, rng) >= 2.0


# --- concurrency and accounting --------------------------------------------------------------


def test_concurrency_bound_is_respected_and_reached():
    transport = Script(delay=0.05)

    async def go():
        teacher = make(transport, concurrency=4)
        await asyncio.gather(*(teacher.complete(msgs(i), stage="s") for i in range(30)))

    run(go())
    assert transport.max_in_flight == 4


def test_usage_reports_unknown_price():
    transport = Script(cost=None)

    async def go():
        teacher = make(transport)
        for i in range(3):
            completion = await teacher.complete(msgs(i), stage="s")
            assert completion.cost_usd is None
        return teacher.usage

    usage = run(go())
    assert usage.calls == 3
    assert usage.prompt_tokens == 300
    assert usage.completion_tokens == 60
    assert usage.cost_known is False
    assert usage.cost_usd is None


def test_a_teacher_can_be_reused_by_a_later_event_loop(tmp_path: Path):
    transport = Script(delay=0.02)
    teacher = make(transport, tmp_path, concurrency=2)

    async def batch(first: int) -> None:
        await asyncio.gather(*(teacher.complete(msgs(first + i), stage="s") for i in range(6)))

    for round_ in range(3):
        asyncio.run(asyncio.wait_for(batch(round_ * 10), timeout=10))
    assert teacher.usage.calls == 18
    assert transport.max_in_flight == 2


def test_a_cancelled_leader_does_not_cancel_callers_sharing_its_request(tmp_path: Path):
    transport = Script(delay=0.05)

    async def go():
        teacher = make(transport, tmp_path)
        leader = asyncio.ensure_future(teacher.complete(msgs(1), stage="s"))
        await asyncio.sleep(0.01)
        follower = asyncio.ensure_future(teacher.complete(msgs(1), stage="s"))
        await asyncio.sleep(0.01)
        leader.cancel()
        result = await follower
        assert leader.cancelled()
        return result

    result = run(go())
    assert result.text == "an answer"
    assert result.cached is False
    assert len(transport.attempts) == 2


def test_an_unwritable_cache_is_a_clear_error(tmp_path: Path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    with pytest.raises(LabtaxError, match="cannot write the response cache") as caught:
        run(make(Script(), blocker).complete(msgs(0), stage="s"))
    assert "LABTAX_CACHE_DIR" in caught.value.hint


def test_pacer_spaces_out_call_starts():
    pacer = Pacer(initial_gap=0.02, clock=lambda: 0.0)
    # Five calls asking at once start one gap apart; a call asking later than its turn waits not.
    assert [pacer.delay(10.0) for _ in range(5)] == pytest.approx([0.0, 0.02, 0.04, 0.06, 0.08])
    assert pacer.delay(10.5) == 0.0
    assert pacer.delay(10.5) == pytest.approx(0.02)


def test_pacer_learns_the_cpu_cost_of_a_call_and_caps_it():
    cpu = [0.0]
    pacer = Pacer(initial_gap=0.003, max_gap=0.02, clock=lambda: cpu[0])
    for _ in range(Pacer.WINDOW):
        cpu[0] += 0.001
        pacer.done()
    assert pacer.gap == pytest.approx(0.001)
    for _ in range(Pacer.WINDOW):
        cpu[0] += 0.03
        pacer.done()
    assert pacer.gap == 0.02


def test_pacer_waits_its_turn_on_the_event_loop():
    pacer = Pacer(initial_gap=0.0, clock=lambda: 0.0)

    async def go() -> None:
        await asyncio.wait_for(asyncio.gather(*(pacer.wait() for _ in range(3))), timeout=5)

    run(go())


def test_pricing_goes_through_the_transport_and_sends_nothing():
    transport = Script(estimate=0.25)
    assert run(make(transport).estimate_cost(msgs(0))) == 0.25
    assert transport.attempts == []


def test_a_call_s_own_parameters_reach_the_transport_and_key_the_cache(tmp_path: Path):
    transport = Script()
    teacher = make(transport, tmp_path)
    cold = CallParams(0.0, 256)

    async def go():
        default = await teacher.complete(msgs(1), stage="s")
        judged = await teacher.complete(msgs(1), stage="s", params=cold)
        again = await teacher.complete(msgs(1), stage="s", params=cold)
        return default, judged, again

    default, judged, again = run(go())
    # Same messages, other parameters: another request, another cache entry.
    assert default.request != judged.request
    assert again.cached
    assert again.request == judged.request
    assert transport.params == [teacher.default_params, cold]


# --- answers cut at the limit ------------------------------------------------------------------


@dataclass
class Cutting(Script):
    """Cuts every answer whose limit is below `needs` tokens, as a model stopping at max_tokens."""

    needs: int = 2048

    async def send(self, messages, attempt, params=None):
        answer = await super().send(messages, attempt, params)
        if params.max_tokens < self.needs:
            return Answer(answer.text[:3], 100, params.max_tokens, self.cost, truncated=True)
        return answer


def test_a_cut_answer_is_asked_again_with_twice_the_limit_and_cached_under_its_key(tmp_path: Path):
    transport = Cutting(needs=2048)

    async def go():
        teacher = make(transport, tmp_path)
        first = await teacher.complete(msgs(1), stage="skill_answer")
        again = await teacher.complete(msgs(1), stage="skill_answer")
        return teacher, first, again

    teacher, first, again = run(go())
    assert [p.max_tokens for p in transport.params] == [1024, 2048]
    # The second send is the request's next attempt: a server may vary per attempt.
    assert [a for _, a in transport.attempts] == [0, 1]
    assert first.text == "an answer"
    assert first.request == request_key(teacher.request(msgs(1), teacher.default_params))
    assert again.cached
    assert again.text == first.text
    # Only the complete answer is stored, under the original request's key, with its own figures.
    cache = ResponseCache(tmp_path)
    assert cache.get(first.request) == Answer("an answer", 100, 20, 0.001)
    assert len(list(tmp_path.rglob("*.json"))) == 1
    # The run paid for both sends.
    assert (teacher.usage.calls, teacher.usage.completion_tokens) == (2, 1024 + 20)


def test_an_answer_cut_at_the_largest_limit_raises_and_caches_nothing(tmp_path: Path):
    transport = Cutting(needs=10**6)
    with pytest.raises(TruncatedAnswer, match="even at 4096 tokens") as caught:
        run(make(transport, tmp_path).complete(msgs(1), stage="skill_answer"))
    assert [p.max_tokens for p in transport.params] == [1024, 2048, 4096]
    assert (caught.value.stage, caught.value.max_tokens, caught.value.text) == (
        "skill_answer",
        4096,
        "an ",
    )
    assert isinstance(caught.value, TeacherError)
    assert not list(tmp_path.rglob("*.json"))


def test_asking_again_after_a_cut_answer_uses_the_budget():
    transport = Cutting(needs=2048)
    with pytest.raises(BudgetExceeded):
        run(make(transport, budget=Budget(max_calls=1)).complete(msgs(1), stage="s"))
    assert len(transport.attempts) == 1


# --- an unreachable server ---------------------------------------------------------------------


def test_an_unreachable_server_is_named_once_and_later_calls_fail_without_trying():
    refused = Unreachable("cannot reach the teacher at http://x/v1: the connection was refused")
    failures = {i: [TransientError("refused", unreachable=refused)] for i in range(50)}
    transport = Script(failures=failures)
    sleeps = Sleeps()

    async def go():
        teacher = make(transport, retries=2, sleeps=sleeps)
        with pytest.raises(Unreachable) as first:
            await teacher.complete(msgs(0), stage="s")
        tried = len(transport.attempts)
        with pytest.raises(Unreachable) as later:
            await teacher.complete(msgs(1), stage="s")
        return first.value, later.value, tried

    first, later, tried = run(go())
    assert tried == 3  # the first call used its retries: the server may have been starting
    assert len(transport.attempts) == 3  # the second call sent nothing
    assert first is later is refused


def test_a_host_that_does_not_resolve_is_not_retried():
    unknown = Unreachable("cannot reach the teacher at http://nowhere/v1: no such host")
    transport = Script(failures={0: [unknown]})
    sleeps = Sleeps()
    with pytest.raises(Unreachable):
        run(make(transport, sleeps=sleeps).complete(msgs(0), stage="s"))
    assert (len(transport.attempts), sleeps.calls) == (1, [])


def test_an_answer_another_process_stored_first_is_the_one_returned(tmp_path: Path):
    key_messages = msgs(3)
    transport = Script(text="mine")

    class Raced(ResponseCache):
        def put(self, key: str, answer: Answer) -> Answer:
            # Another process wrote this key between our lookup and our answer.
            ResponseCache(self.directory).put(key, Answer("theirs", 7, 7, None))
            return super().put(key, answer)

    teacher = Teacher(TeacherConfig(), transport, cache=Raced(tmp_path))
    done = run(teacher.complete(key_messages, stage="s"))
    assert done.text == "theirs"
    assert ResponseCache(tmp_path).get(done.request) == Answer("theirs", 7, 7, None)

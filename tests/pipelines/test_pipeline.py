"""What every pipeline shares: the table by kind, the Caller's gate and metering, batching."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from labtax.config import StageOverride, TeacherConfig
from labtax.dataset.records import Call
from labtax.leaves import LeafKind
from labtax.pipelines import PIPELINES, freeform, grounded, knowledge
from labtax.pipelines.pipeline import (
    Caller,
    LeafMaterial,
    batches,
    gather_all,
    seeds_only,
    shown_examples,
    split,
    spread,
    stage_params,
    task_of,
)
from labtax.prompts import GENERATION, STAGES
from labtax.teacher import Completion
from labtax.transport import CallParams


def test_the_table_has_one_pipeline_per_leaf_kind_stated_by_its_module():
    assert dict(PIPELINES) == {
        LeafKind.FREEFORM_SKILL: freeform.PIPELINE,
        LeafKind.GROUNDED_SKILL: grounded.PIPELINE,
        LeafKind.KNOWLEDGE: knowledge.PIPELINE,
    }
    # Only a grounded skill's filters tell the same instruction over different contexts apart.
    assert {k for k, p in PIPELINES.items() if p.context_scoped} == {LeafKind.GROUNDED_SKILL}
    # Only knowledge's auxiliary texts are asked for one at a time.
    assert {k for k, p in PIPELINES.items() if p.single} == {LeafKind.KNOWLEDGE}
    with pytest.raises(TypeError):
        PIPELINES[LeafKind.KNOWLEDGE] = freeform.PIPELINE  # type: ignore[index]


def test_skills_work_from_their_seeds_alone(sample_leaves):
    for name in ("freeform", "grounded"):
        leaf = sample_leaves[name]
        material = asyncio.run(PIPELINES[leaf.kind].material(leaf, None, None))
        assert material == LeafMaterial(leaf.text)
    assert asyncio.run(seeds_only(sample_leaves["freeform"], None, None)).chunks == ()


class Scripted:
    def __init__(self, cached: bool, cost: float | None) -> None:
        self.cached, self.cost = cached, cost
        self.params: list[CallParams | None] = []

    async def complete(self, messages, *, stage, params=None):
        self.params.append(params)
        text = f"{stage}: {messages[0]['content']}"
        return Completion(text, 7, 3, self.cost, self.cached, f"key of {text}", 5)


class Gate:
    def __init__(self) -> None:
        self.events: list[tuple[str, int | None]] = []

    async def acquire(self, priority: int) -> None:
        self.events.append(("acquire", priority))

    def release(self) -> None:
        self.events.append(("release", None))


def test_a_caller_passes_the_gate_and_meters_every_answer():
    gate = Gate()
    caller = Caller(Scripted(cached=False, cost=0.5), gate=gate, priority=4)
    reply = asyncio.run(caller.ask("skill_answer", [{"role": "user", "content": "hi"}]))
    assert reply.text == "skill_answer: hi"
    # The call an answer came from: its stage and the key the teacher gave the request.
    assert reply.call == Call("skill_answer", "key of skill_answer: hi")
    assert gate.events == [("acquire", 4), ("release", None)]
    assert caller.stages == {"skill_answer"}
    cached = Caller(Scripted(cached=True, cost=None))
    for _ in range(2):
        asyncio.run(cached.ask("s", [{"role": "user", "content": "x"}]))
    assert (caller.usage.calls, caller.usage.cached_calls, caller.usage.cost_usd) == (1, 0, 0.5)
    # Cached answers count with their stored figures; an unknown price makes the total unknown.
    usage = cached.usage
    assert (usage.calls, usage.cached_calls, usage.prompt_tokens, usage.cost_usd) == (
        0,
        2,
        14,
        None,
    )
    assert (caller.usage.cached_prompt_tokens, usage.cached_prompt_tokens) == (5, 10)
    assert (caller.answers, cached.answers) == (1, 2)


def test_a_caller_sends_each_stage_with_its_own_settings():
    teacher = Scripted(cached=False, cost=None)
    judge, writer = CallParams(0.0, 300), CallParams(0.9, 2000)
    caller = Caller(teacher, params={"pair_rating": judge, "skill_answer": writer})
    for stage in ("pair_rating", "skill_answer", "elsewhere"):
        asyncio.run(caller.ask(stage, [{"role": "user", "content": "x"}]))
    # A stage without settings of its own leaves the teacher's defaults to the teacher.
    assert teacher.params == [judge, writer, None]


def test_judges_run_cold_and_writers_warm_unless_a_stage_says_otherwise():
    teacher = TeacherConfig(temperature=0.7, max_tokens=1024)
    params = stage_params(teacher, {"skill_answer": StageOverride(max_tokens=2048)})
    assert set(params) == set(STAGES)
    for name in GENERATION:
        expected = 0.0 if STAGES[name].judge else 0.7
        assert params[name].temperature == expected, name
    assert params["skill_answer"] == CallParams(0.7, 2048)
    assert params["faithfulness"] == CallParams(0.0, 1024)
    warm_judge = stage_params(teacher, {"relevance": StageOverride(temperature=0.3)})
    assert warm_judge["relevance"] == CallParams(0.3, 1024)


class CutError(Exception):
    request = "k" * 64


def test_a_truncated_answer_is_a_reply_that_says_so_never_a_failure():
    class Cutting:
        async def complete(self, messages, *, stage, params=None):
            raise CutError

    gate = Gate()
    caller = Caller(Cutting(), gate=gate, truncation=(CutError,))
    reply = asyncio.run(caller.ask("skill_answer", [{"role": "user", "content": "x"}]))
    assert (reply.text, reply.truncated, reply.call) == ("", True, Call("skill_answer", "k" * 64))
    assert gate.events == [("acquire", 0), ("release", None)]
    # It was a call: the leaf's bound counts it, and its stage is one the leaf used.
    assert (caller.answers, caller.stages) == (1, {"skill_answer"})
    # Without a key on the error, the request itself names the call (never an empty key).

    class AnonymousError(Exception):
        pass

    class Cutting2:
        async def complete(self, messages, *, stage, params=None):
            raise AnonymousError

    one = asyncio.run(
        Caller(Cutting2(), truncation=(AnonymousError,)).ask(
            "s", [{"role": "user", "content": "x"}]
        )
    )
    two = asyncio.run(
        Caller(Cutting2(), truncation=(AnonymousError,)).ask(
            "s", [{"role": "user", "content": "y"}]
        )
    )
    assert one.truncated
    assert len(one.call.request) == 64
    assert one.call.request != two.call.request
    # An error the caller is not told is truncation fails the leaf as before.
    with pytest.raises(AnonymousError):
        asyncio.run(Caller(Cutting2()).ask("s", []))


def test_a_failing_call_still_releases_the_gate():
    class Broken:
        async def complete(self, messages, *, stage, params=None):
            raise RuntimeError("down")

    gate = Gate()
    with pytest.raises(RuntimeError):
        asyncio.run(Caller(Broken(), gate=gate).ask("s", []))
    assert gate.events == [("acquire", 0), ("release", None)]
    assert Caller(Broken()).usage.calls == 0


def test_batches_and_shares():
    assert split(12, 5) == [5, 5, 2]
    assert split(0, 5) == []
    assert [batches(n, 5) for n in (0, 1, 5, 6, 12)] == [0, 1, 1, 2, 3]
    assert spread(7, 3) == [3, 2, 2]
    assert spread(2, 0) == []


def test_gather_all_cancels_the_rest_on_the_first_error():
    cancelled: list[int] = []

    async def slow(i: int) -> int:
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            cancelled.append(i)
            raise
        return i

    async def failing() -> int:
        raise ValueError("first")

    async def main() -> None:
        with pytest.raises(ValueError, match="first"):
            await gather_all([slow(1), failing(), slow(2)])

    asyncio.run(main())
    assert sorted(cancelled) == [1, 2]


def test_prompts_use_the_leaf_accessors_never_its_path(sample_leaves):
    leaf = sample_leaves["freeform"]
    assert task_of(leaf) == leaf.task_description
    assert leaf.leaf_id.split("/")[0] not in task_of(leaf) + shown_examples(leaf)
    shown = shown_examples(leaf)
    assert all(q in shown and a in shown for _, q, a in leaf.seed_pairs)
    first_two = shown_examples(leaf, 2)
    assert [q in first_two for _, q, _ in leaf.seed_pairs] == [True, True, False, False, False]
    blank = replace(leaf, data={**leaf.data, "task_description": " "})
    assert task_of(blank) == "Perform the task the examples show."

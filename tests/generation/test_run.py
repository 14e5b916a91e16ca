"""Running a plan directly: every leaf through its kind's pipeline from the one table, filters,
usage per leaf, failures and budget stops kept per leaf, and the priority gate."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import projects
from candidates import candidate
from labtax import dataset
from labtax.cache import ResponseCache
from labtax.chunking import Chunk
from labtax.config import StageOverride, load_config
from labtax.errors import LabtaxError
from labtax.generation import rounds
from labtax.generation import run as running
from labtax.generation.plan import Selection, make_plan
from labtax.generation.run import PriorityGate, run_plan
from labtax.pipelines import PIPELINES
from labtax.pipelines.pipeline import LeafMaterial, Outcome
from labtax.prompts import stage_of
from labtax.teacher import Budget, Teacher
from labtax.usage import Usage
from labtax.util import sha256_hex


def _teacher(config, transport, cache_dir=None, budget=None):
    cache = None if cache_dir is None else ResponseCache(cache_dir)
    return Teacher(config.teacher, transport, cache=cache, budget=budget)


def _manifest(root, leaf_id):
    return json.loads((root / "generated" / leaf_id / "manifest.json").read_text())


def test_each_leaf_runs_its_own_kinds_pipeline_from_the_table(project, monkeypatch):
    config = load_config(project)
    plan = make_plan(config, Selection())
    seen: list[tuple[str, str]] = []

    def spy(kind, pipeline):
        async def run_round(leaf, material, caller, plan):
            seen.append((leaf.leaf_id, kind.value))
            return await pipeline.run_round(leaf, material, caller, plan)

        return replace(pipeline, run_round=run_round)

    table = {kind: spy(kind, pipeline) for kind, pipeline in PIPELINES.items()}
    monkeypatch.setattr(running, "PIPELINES", table)
    summary = asyncio.run(run_plan(config, plan, _teacher(config, projects.InProcessTransport())))
    assert summary.count("generated") == 4
    assert {leaf for leaf, _ in seen} == {leaf.leaf_id for leaf in plan.generate}
    assert set(seen) == {(leaf.leaf_id, leaf.kind.value) for leaf in plan.generate}


class Recording(projects.InProcessTransport):
    """The fake teacher in-process, remembering the call settings of each stage."""

    def __init__(self) -> None:
        super().__init__()
        self.params: dict[str, set] = {}

    async def send(self, messages, attempt, params=None):
        from labtax import prompts

        self.params.setdefault(prompts.stage_of(messages), set()).add(params)
        return await super().send(messages, attempt, params)


def test_the_manifest_says_what_the_leaf_aimed_for_used_and_grounded_its_samples_in(project):
    config = load_config(project)
    config = replace(
        config,
        generation=replace(config.generation, samples_per_leaf=6),
        teacher_stages={"skill_answer": StageOverride(max_tokens=700)},
    )
    plan = make_plan(config, Selection())
    transport = Recording()
    asyncio.run(run_plan(config, plan, _teacher(config, transport)))
    skill = _manifest(project, "compositional_skills/riddles/objects")
    assert set(skill["stages"]) == {
        "skill_questions",
        "question_judge",
        "skill_answer",
        "pair_rating",
    }
    warm = config.teacher.temperature
    # Judges run cold, writers at the teacher's temperature; a stage's own table wins.
    assert skill["stages"] == {
        "skill_questions": {"max_tokens": config.teacher.max_tokens, "temperature": warm},
        "question_judge": {"max_tokens": config.teacher.max_tokens, "temperature": 0.0},
        "skill_answer": {"max_tokens": 700, "temperature": warm},
        "pair_rating": {"max_tokens": config.teacher.max_tokens, "temperature": 0.0},
    }
    # ...and that is what the teacher was sent.
    for stage, settings in skill["stages"].items():
        (sent,) = transport.params[stage]
        assert (sent.temperature, sent.max_tokens) == (
            settings["temperature"],
            settings["max_tokens"],
        )
    assert skill["documents"] == []
    water = _manifest(project, "knowledge/science/water_cycle")
    assert set(water["stages"]) == {
        "knowledge_qa",
        "standalone",
        "faithfulness",
        "relevance",
        "detailed_summary",
        "extractive_summary",
        "atomic_facts",
    }
    assert water["documents"] == [
        {"chunks": 1, "kept": water["counts"]["kept"], "path": "water.md"}
    ]
    for manifest, target in ((skill, 6), (water, 2 + 3)):
        volume = manifest["volume"]
        assert volume["target"] == target
        assert volume["kept"] == manifest["counts"]["kept"] <= target
        assert volume["rounds"] >= 1
        assert (volume["shortfall"] == "") == (volume["kept"] == target)


def test_documents_are_counted_from_the_leafs_own_records():
    chunks = [Chunk("b.md", 0, "x"), Chunk("a.md", 0, "y"), Chunk("b.md", 1, "z")]
    kept = [
        candidate("Q1?", "A.", "z", form="knowledge_qa", document="b.md", chunk=1),
        candidate("Q2?", "A.", "z", form="knowledge_qa", document="b.md", chunk=1),
    ]
    assert running.document_uses(chunks, kept) == (
        dataset.DocumentUse("a.md", 1, 0),
        dataset.DocumentUse("b.md", 2, 2),
    )
    assert running.document_uses((), []) == ()


def test_a_leafs_usage_counts_every_answer_it_used_cached_or_not(project):
    config = load_config(project)
    plan = make_plan(config, Selection(paths=(project / "taxonomy/compositional_skills",)))
    transport = projects.InProcessTransport(price=0.001)
    first = asyncio.run(run_plan(config, plan, _teacher(config, transport, project / "c")))
    before = {r.leaf_id: _manifest(project, r.leaf_id) for r in first.results}
    again = _teacher(config, projects.InProcessTransport(price=0.001), project / "c")
    second = asyncio.run(run_plan(config, plan, again))
    assert again.usage.calls == 0
    assert again.usage.cached_calls == sum(r.usage.cached_calls for r in second.results) > 0
    for old, new in zip(first.results, second.results, strict=True):
        assert new.usage.cached_calls == old.usage.calls + old.usage.cached_calls
        assert new.usage.prompt_tokens == old.usage.prompt_tokens
        assert new.usage.cost_usd == old.usage.cost_usd
        manifest = _manifest(project, new.leaf_id)
        assert manifest == before[new.leaf_id]
        assert manifest["usage"]["calls"] == new.usage.cached_calls
        assert manifest["usage"]["prompt_tokens"] == new.usage.prompt_tokens


def test_filters_see_the_material_text_and_the_grounded_scoping(project, monkeypatch):
    config = load_config(project)
    plan = make_plan(config, Selection())
    calls: list[tuple[str, bool, bool]] = []
    real = rounds.filters.apply

    def apply(candidates, *, allowed_text, context_scoped, source_text, **rest):
        leaf = candidates[0].leaf if candidates else ""
        documents = "evaporates from oceans" in allowed_text, "evaporates" in source_text
        calls.append((leaf, *documents, context_scoped))
        return real(
            candidates,
            allowed_text=allowed_text,
            context_scoped=context_scoped,
            source_text=source_text,
            **rest,
        )

    monkeypatch.setattr(rounds.filters, "apply", apply)
    asyncio.run(run_plan(config, plan, _teacher(config, projects.InProcessTransport())))
    assert sorted(set(calls)) == [
        ("compositional_skills/grounded/summaries/paragraph", False, False, True),
        ("compositional_skills/riddles/objects", False, False, False),
        ("knowledge/history/printing_press", False, False, False),
        ("knowledge/science/water_cycle", True, True, False),
    ]


def test_a_failing_leaf_and_a_budget_stop_keep_their_usage_and_spare_the_others(
    project, monkeypatch
):
    config = load_config(project)
    plan = make_plan(config, Selection())
    broken = "compositional_skills/riddles/objects"

    async def material(leaf, store, settings):
        if leaf.leaf_id == broken:
            raise LabtaxError("no material today")
        return LeafMaterial(leaf.text)

    async def run_round(leaf, material_, caller, plan):
        await caller.ask("skill_answer", [{"role": "user", "content": leaf.leaf_id}])
        return Outcome((), ())

    table = {
        kind: replace(
            p,
            material=material,
            targets=lambda m, s: {(-1, "instruction"): 1},
            run_round=run_round,
            round_calls=lambda asked: 1,
        )
        for kind, p in PIPELINES.items()
    }
    monkeypatch.setattr(running, "PIPELINES", table)
    # One round of one call: each leaf's allowance is that call.
    config = replace(config, generation=replace(config.generation, max_rounds=1))
    teacher = _teacher(config, projects.InProcessTransport(), budget=Budget(max_calls=2))
    summary = asyncio.run(run_plan(config, plan, teacher))
    by_leaf = {r.leaf_id: r for r in summary.results}
    assert by_leaf[broken].status == "failed"
    assert "no material today" in by_leaf[broken].message
    assert by_leaf[broken].usage == Usage()
    # Each leaf may need 1 call: the first two that ask get the two calls, in plan order.
    statuses = [by_leaf[leaf.leaf_id].status for leaf in plan.generate]
    assert statuses == ["generated", "failed", "generated", "unfinished"]
    assert summary.budget_message.startswith("call budget reached: 2 of 2 used")
    assert [r.usage.calls for r in summary.results if r.status == "generated"] == [1, 1]


def test_priority_gate_serves_lower_numbers_first():
    order: list[int] = []

    async def main() -> None:
        gate = PriorityGate(1)
        await gate.acquire(0)

        async def worker(priority: int) -> None:
            await gate.acquire(priority)
            order.append(priority)
            await asyncio.sleep(0)
            gate.release()

        tasks = [asyncio.create_task(worker(p)) for p in (5, 3, 9, 1)]
        await asyncio.sleep(0)
        cancelled = asyncio.create_task(worker(2))
        await asyncio.sleep(0)
        cancelled.cancel()
        gate.release()
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert order == [1, 3, 5, 9]


class CutError(Exception):
    """What a teacher raises for an answer still cut at its length bound after its retries."""


class Cutting:
    """The fake teacher in-process, except that every pair rating and every faithfulness
    verdict is cut at its length bound."""

    def __init__(self, config) -> None:
        self.inner = _teacher(config, projects.InProcessTransport())

    def __getattr__(self, name):
        return getattr(self.inner, name)  # the budget's account, prices

    async def complete(self, messages, *, stage, params=None):
        if stage in {"pair_rating", "faithfulness"}:
            raise CutError(stage)
        return await self.inner.complete(messages, stage=stage, params=params)


def test_truncated_answers_are_counted_rejections_and_the_run_goes_on(project, monkeypatch):
    monkeypatch.setattr(running, "TRUNCATION", (CutError,))
    config = load_config(project)
    plan = make_plan(config, Selection())
    summary = asyncio.run(run_plan(config, plan, Cutting(config)))
    assert summary.count("generated") == 4
    for leaf in plan.generate:
        manifest = _manifest(project, leaf.leaf_id)
        reasons = manifest["counts"]["rejected_by_reason"]
        assert reasons.get("truncated", 0) > 0, leaf.leaf_id
        assert manifest["counts"]["kept"] == 0
        rejected = (project / "generated" / leaf.leaf_id / "rejected.jsonl").read_text()
        truncated = [json.loads(r) for r in rejected.splitlines() if '"truncated"' in r]
        assert {r["stage"] for r in truncated} <= {"pair_rating", "faithfulness"}
        # Nothing passed, so the leaf stops after its first round and says why.
        assert manifest["volume"]["rounds"] == 1
        assert "produced nothing new" in manifest["volume"]["shortfall"]


def test_leaves_waiting_for_their_allowance_never_starve_the_ones_running(project):
    # Two gate slots and a budget for one leaf at a time: leaves waiting for an allowance must not
    # sit on the slots the granted leaf needs for its next calls.
    config = load_config(project)
    config = replace(config, teacher=replace(config.teacher, concurrency=1))
    plan = make_plan(config, Selection())
    biggest = max(projects.call_bound(config, leaf) for leaf in plan.generate)
    teacher = _teacher(config, projects.InProcessTransport(), budget=Budget(max_calls=biggest))
    summary = asyncio.run(asyncio.wait_for(run_plan(config, plan, teacher), timeout=30))
    assert summary.count("generated") >= 1
    assert summary.count("generated") + summary.count("unfinished") == len(plan.generate)
    assert teacher.usage.calls <= biggest


class Blanking:
    """The fake teacher in-process, except that a deterministic half of the skill answers and
    every faithfulness verdict come back empty, however often they are asked."""

    def __init__(self) -> None:
        self.inner = projects.InProcessTransport()
        self.blanked = 0

    async def send(self, messages, attempt, params=None):
        answer = await self.inner.send(messages, attempt, params)
        stage = stage_of(messages)
        digest = sha256_hex(repr(messages))
        if stage == "faithfulness" or (stage == "skill_answer" and digest[0] in "01"):
            self.blanked += 1
            return replace(answer, text="")
        return answer

    async def estimate_cost(self, messages, params=None):
        return None


def test_empty_answers_are_counted_rejections_every_call_counts_and_the_run_goes_on(project):
    config = load_config(project)
    plan = make_plan(config, Selection())
    transport = Blanking()
    teacher = _teacher(config, transport)
    summary = asyncio.run(run_plan(config, plan, teacher))
    assert summary.count("generated") == 4
    # Every empty answer was a call the server billed: all are counted.
    assert teacher.usage.calls == transport.inner.sent
    assert transport.blanked > 0
    empties = {}
    for leaf in plan.generate:
        manifest = _manifest(project, leaf.leaf_id)
        empties[leaf.leaf_id] = manifest["counts"]["rejected_by_reason"].get("empty", 0)
        rejected = (project / "generated" / leaf.leaf_id / "rejected.jsonl").read_text()
        empty = [json.loads(r) for r in rejected.splitlines() if '"reason": "empty"' in r]
        assert {r["stage"] for r in empty} <= {"skill_answer", "faithfulness"}
        assert len(empty) == empties[leaf.leaf_id]
    assert empties["compositional_skills/riddles/objects"] > 0
    assert empties["knowledge/science/water_cycle"] > 0
    assert _manifest(project, "compositional_skills/riddles/objects")["counts"]["kept"] > 0

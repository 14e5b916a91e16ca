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
from labtax.config import load_config
from labtax.documents import Chunk
from labtax.errors import LabtaxError
from labtax.generation import run as running
from labtax.generation.plan import Selection, make_plan
from labtax.generation.run import PriorityGate, run_plan
from labtax.pipelines import PIPELINES
from labtax.pipelines.pipeline import LeafMaterial, Outcome
from labtax.teacher import Budget, Teacher
from labtax.usage import Usage


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
        async def run(leaf, material, caller, settings):
            seen.append((leaf.leaf_id, kind.value))
            return await pipeline.run(leaf, material, caller, settings)

        return replace(pipeline, run=run)

    table = {kind: spy(kind, pipeline) for kind, pipeline in PIPELINES.items()}
    monkeypatch.setattr(running, "PIPELINES", table)
    summary = asyncio.run(run_plan(config, plan, _teacher(config, projects.InProcessTransport())))
    assert summary.count("generated") == 4
    assert sorted(seen) == sorted((leaf.leaf_id, leaf.kind.value) for leaf in plan.generate)


def test_the_manifest_says_what_the_leaf_aimed_for_used_and_grounded_its_samples_in(project):
    config = load_config(project)
    plan = make_plan(config, Selection())
    asyncio.run(run_plan(config, plan, _teacher(config, projects.InProcessTransport()), samples=6))
    skill = _manifest(project, "compositional_skills/riddles/objects")
    assert set(skill["stages"]) == {
        "skill_questions",
        "question_judge",
        "skill_answer",
        "pair_rating",
    }
    assert skill["stages"]["skill_answer"] == {
        "max_tokens": config.teacher.max_tokens,
        "temperature": config.teacher.temperature,
    }
    assert skill["documents"] == []
    water = _manifest(project, "knowledge/science/water_cycle")
    assert set(water["stages"]) == {"knowledge_qa", "faithfulness"}
    assert water["documents"] == [
        {"chunks": 1, "kept": water["counts"]["kept"], "path": "water.md"}
    ]
    for manifest in (skill, water):
        volume = manifest["volume"]
        assert (volume["target"], volume["rounds"]) == (6, 1)
        assert volume["kept"] == manifest["counts"]["kept"]
        met = volume["kept"] >= 6
        assert (volume["shortfall"] == "") == met
        if not met:
            assert volume["shortfall"] == f"kept {volume['kept']} of 6 samples after 1 round"


def test_volume_and_documents_are_counted_from_the_leafs_own_records():
    assert running.volume(4, 4, 1) == dataset.Volume(4, 4, 1, "")
    assert running.volume(4, 5, 1).shortfall == ""
    assert running.volume(10, 3, 2).shortfall == "kept 3 of 10 samples after 2 rounds"
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
    real = running.filters.apply

    def apply(candidates, *, allowed_text, context_scoped, **rest):
        leaf = candidates[0].leaf if candidates else ""
        calls.append((leaf, "evaporates from oceans" in allowed_text, context_scoped))
        return real(candidates, allowed_text=allowed_text, context_scoped=context_scoped, **rest)

    monkeypatch.setattr(running.filters, "apply", apply)
    asyncio.run(run_plan(config, plan, _teacher(config, projects.InProcessTransport())))
    assert sorted(calls) == [
        ("compositional_skills/grounded/summaries/paragraph", False, True),
        ("compositional_skills/riddles/objects", False, False),
        ("knowledge/history/printing_press", False, False),
        ("knowledge/science/water_cycle", True, False),
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

    async def run(leaf, material_, caller, settings):
        await caller.ask("skill_answer", [{"role": "user", "content": leaf.leaf_id}])
        return Outcome((), ())

    table = {
        kind: replace(p, material=material, run=run, estimated_calls=lambda samples: 1)
        for kind, p in PIPELINES.items()
    }
    monkeypatch.setattr(running, "PIPELINES", table)
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


def test_leaves_waiting_for_their_allowance_never_starve_the_ones_running(project):
    # Two gate slots and a budget for one leaf at a time: leaves waiting for an allowance must not
    # sit on the slots the granted leaf needs for its next calls.
    config = load_config(project)
    config = replace(config, teacher=replace(config.teacher, concurrency=1))
    plan = make_plan(config, Selection())
    samples = config.teacher.samples_per_leaf
    biggest = max(PIPELINES[leaf.kind].estimated_calls(samples) for leaf in plan.generate)
    teacher = _teacher(config, projects.InProcessTransport(), budget=Budget(max_calls=biggest))
    summary = asyncio.run(asyncio.wait_for(run_plan(config, plan, teacher), timeout=30))
    assert summary.count("generated") >= 1
    assert summary.count("generated") + summary.count("unfinished") == len(plan.generate)
    assert teacher.usage.calls <= biggest

"""Generation over several worker processes: the same bytes as one process, one shared budget
that still finishes whole leaves, progress in the parent, and a worker that dies."""

from __future__ import annotations

import asyncio
import json
import os
import shutil

import pytest

import projects
from labtax import dataset
from labtax.cache import ResponseCache
from labtax.config import load_config
from labtax.generation import run as running
from labtax.generation import workers
from labtax.generation.plan import Selection, make_plan
from labtax.generation.run import LeafResult, run_plan
from labtax.teacher import Budget, Teacher

pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="workers need fork")


def _teacher(config, cache_dir, budget=None) -> Teacher:
    return Teacher(
        config.teacher, projects.InProcessTransport(), cache=ResponseCache(cache_dir), budget=budget
    )


def _in_workers(config, plan, teacher, count, on_leaf=None):
    pool = workers.WorkerPool.start(config, plan, teacher, workers=count)
    return asyncio.run(pool.run(on_leaf))


def test_two_workers_write_the_same_bytes_as_one_process_and_report_everything(project):
    config = load_config(project)
    plan = make_plan(config, Selection())
    alone = _teacher(config, project / "cache-one")
    single = asyncio.run(run_plan(config, plan, alone))
    reference = projects.tree_bytes(project / "generated")
    shutil.rmtree(project / "generated")

    seen: list[LeafResult] = []
    teacher = _teacher(config, project / "cache-two")
    summary = _in_workers(config, plan, teacher, 2, seen.append)
    assert projects.tree_bytes(project / "generated") == reference
    # Results in plan order, as one process gives them; each reached the parent as it finished.
    assert [r.leaf_id for r in summary.results] == [r.leaf_id for r in single.results]
    assert [(r.status, r.kept, r.usage) for r in summary.results] == [
        (r.status, r.kept, r.usage) for r in single.results
    ]
    assert sorted(r.leaf_id for r in seen) == sorted(leaf.leaf_id for leaf in plan.generate)
    # The parent's teacher holds what the workers' copies spent.
    assert teacher.usage == alone.usage
    # Both workers wrote to one cache: a rerun from it makes no call.
    again = _teacher(config, project / "cache-two")
    asyncio.run(run_plan(config, make_plan(config, Selection(force=True)), again))
    assert again.usage.calls == 0
    assert projects.tree_bytes(project / "generated") == reference


def test_one_budget_bounds_all_workers_exactly_and_leaves_stay_whole(project):
    config = load_config(project)
    plan = make_plan(config, Selection())
    asyncio.run(run_plan(config, plan, _teacher(config, project / "cache-reference")))
    reference = projects.tree_bytes(project / "generated")
    shutil.rmtree(project / "generated")
    # Enough for the largest leaf's allowance: a leaf uses far less than its bound, and what is
    # left after it does not cover another leaf's, whichever worker asks first.
    budget = max(projects.call_bound(config, leaf) for leaf in plan.generate)
    teacher = _teacher(config, project / "cache-budget", Budget(max_calls=budget))
    summary = _in_workers(config, plan, teacher, 2)
    assert 0 < teacher.usage.calls <= budget
    statuses = [r.status for r in summary.results]
    assert "generated" in statuses
    assert "unfinished" in statuses
    assert summary.budget_message.startswith("call budget reached")
    written = _written(project)
    assert written == sorted(r.leaf_id for r in summary.results if r.status == "generated")
    for leaf_id in written:
        assert projects.tree_bytes(project / "generated" / leaf_id) == {
            k.removeprefix(f"{leaf_id}/"): v
            for k, v in reference.items()
            if k.startswith(f"{leaf_id}/")
        }


def _written(project) -> list[str]:
    return sorted(
        p.parent.relative_to(project / "generated").as_posix()
        for p in (project / "generated").rglob("manifest.json")
    )


def test_a_worker_that_dies_fails_its_leaves_and_the_others_finish(project, monkeypatch):
    config = load_config(project)
    plan = make_plan(config, Selection())
    doomed = plan.generate[1].leaf_id  # the second worker's first leaf

    real = running._Run._generate

    async def generate(self, leaf, caller, recorder, priority):
        if leaf.leaf_id == doomed:
            os._exit(9)
        return await real(self, leaf, caller, recorder, priority)

    monkeypatch.setattr(running._Run, "_generate", generate)
    summary = _in_workers(config, plan, _teacher(config, project / "cache"), 2)
    by_leaf = {r.leaf_id: r for r in summary.results}
    assert by_leaf[doomed].status == "failed"
    assert "ended with exit code 9" in by_leaf[doomed].message
    # The first worker's leaves are whole.
    for index in (0, 2):
        leaf_id = plan.generate[index].leaf_id
        assert by_leaf[leaf_id].status == "generated"
        manifest = json.loads((project / "generated" / leaf_id / "manifest.json").read_text())
        assert manifest["leaf"] == leaf_id
        assert dataset.freshness(config, plan.generate[index]) == "fresh"


def test_default_workers_follow_the_leaves_and_the_cores(monkeypatch):
    monkeypatch.setattr(workers, "available_cores", lambda: 4)
    assert workers.default_workers(1) == 1
    assert workers.default_workers(32) == 1
    assert workers.default_workers(33) == 2
    assert workers.default_workers(1000) == 4

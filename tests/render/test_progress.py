"""The generate progress bar: it wraps the work, counts leaves and shows the usage so far."""

from __future__ import annotations

import asyncio

import pytest

from labtax.generation.run import LeafResult
from labtax.render import progress
from labtax.usage import Usage


def test_the_work_runs_under_the_bar_and_its_result_comes_back() -> None:
    reads: list[int] = []

    def usage() -> Usage:
        reads.append(1)
        return Usage(calls=len(reads), cost_usd=None)

    async def work(on_leaf: progress.OnLeaf) -> str:
        for name in ("a", "b", "c"):
            await asyncio.sleep(0.05)
            on_leaf(LeafResult(name, "generated"))
        return "done"

    assert asyncio.run(progress.tracked(3, usage, work)) == "done"
    assert len(reads) >= 2  # refreshed while working and once more at the end


def test_a_failing_run_stops_the_ticker_and_raises() -> None:
    async def work(_on_leaf: progress.OnLeaf) -> None:
        raise RuntimeError("boom")

    async def run() -> set[asyncio.Task[object]]:
        with pytest.raises(RuntimeError, match="boom"):
            await progress.tracked(1, Usage, work)
        await asyncio.sleep(0)
        return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}

    assert asyncio.run(run()) == set()

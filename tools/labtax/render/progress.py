"""The `labtax generate` progress bar on a terminal: leaves done and the teacher's usage so far."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from labtax.generation.run import LeafResult
from labtax.render.figures import run_usage
from labtax.usage import Usage

T = TypeVar("T")
OnLeaf = Callable[[LeafResult], None]


async def tracked(
    total: int, usage: Callable[[], Usage], work: Callable[[OnLeaf], Awaitable[T]]
) -> T:
    """`work(on_leaf)` under a bar of `total` leaves, refreshed with `usage()` five times a second.

    Imports rich: only called when stderr is a terminal, so piped and CI runs never pay for it.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    progress = Progress(
        BarColumn(bar_width=16),
        MofNCompleteColumn(),
        TextColumn("leaves · {task.fields[usage]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = progress.add_task("generate", total=total, usage="")

    def refresh() -> None:
        now = usage()
        progress.update(task, usage=run_usage(now))

    async def ticker() -> None:
        while True:
            refresh()
            await asyncio.sleep(0.2)

    with progress:
        ticking = asyncio.create_task(ticker())
        try:
            return await work(lambda _: progress.advance(task))
        finally:
            ticking.cancel()
            refresh()

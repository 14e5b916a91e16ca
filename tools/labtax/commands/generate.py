"""`labtax generate`: turn leaves' seed examples into synthetic data with the teacher."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from labtax.commands._options import base_option, project, taxonomy_option
from labtax.config import Config
from labtax.errors import EXIT_FINDINGS, EXIT_OK, LabtaxError, UsageError
from labtax.generation.estimate import estimate_plan
from labtax.generation.plan import Plan, Selection, make_plan, parse_shard
from labtax.generation.run import LeafResult, RunSummary, run_plan
from labtax.generation.workers import WorkerPool, can_fork, default_workers
from labtax.pipelines import PIPELINES
from labtax.prompts import Message
from labtax.render import generation_text
from labtax.teacher import Budget, Teacher, make_teacher


@click.command("generate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--changed", is_flag=True, help="Only leaves changed against the base ref.")
@base_option
@click.option("--dry-run", is_flag=True, help="List what would be generated; make no calls.")
@click.option(
    "--max-cost", type=click.FloatRange(min=0), metavar="USD", help="Stop before spending more."
)
@click.option(
    "--max-calls", type=click.IntRange(min=0), metavar="N", help="Stop before more calls than N."
)
@click.option("--shard", metavar="I/N", help="Only the I-th of N deterministic shards of leaves.")
@click.option("--model", help="litellm model string (LABTAX_TEACHER_MODEL wins over it).")
@click.option("--api-base", help="Teacher server URL (LABTAX_TEACHER_API_BASE wins over it).")
@click.option(
    "--concurrency", type=click.IntRange(min=1), metavar="N", help="Concurrent teacher calls."
)
@click.option(
    "--samples", type=click.IntRange(min=1), metavar="N", help="Samples to aim for per leaf."
)
@click.option("--force", is_flag=True, help="Regenerate leaves whose data is up to date.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    metavar="N",
    help="Processes to spread leaves over (default: one per 32 leaves, at most one per core).",
)
@taxonomy_option
def command(
    *,
    paths: tuple[Path, ...],
    changed: bool,
    base: str | None,
    dry_run: bool,
    max_cost: float | None,
    max_calls: int | None,
    shard: str | None,
    model: str | None,
    api_base: str | None,
    concurrency: int | None,
    samples: int | None,
    force: bool,
    workers: int | None,
    taxonomy: Path | None,
) -> int:
    """Generate synthetic data for leaves (all, the given PATHs, or --changed ones).

    Leaves whose data already matches their inputs are skipped (no calls); answers are cached, so
    an interrupted run continues where it stopped. Exits 1 when the budget stops the run (finished
    leaves are kept) or a leaf fails.
    """
    if changed and paths:
        raise UsageError("pass either PATHs or --changed, not both")
    config = _configure(project(taxonomy), model, api_base, concurrency, samples)
    selection = Selection(
        tuple(p.resolve() for p in paths),
        changed,
        base,
        parse_shard(shard) if shard else None,
        force,
    )
    plan = make_plan(config, selection)
    teacher = make_teacher(config.teacher, config.cache_dir, Budget(max_cost, max_calls))
    priced = max_cost is not None
    if priced and plan.generate:
        # Refused before anything runs, a dry run included: the limit could not be kept.
        _require_price(config, plan, teacher)
    if dry_run:
        per_leaf = config.teacher.samples_per_leaf
        # Prices come from litellm's table, seconds to load: only when a cost limit asks.
        pricer = teacher if priced else _Unpriced()
        estimates = asyncio.run(estimate_plan(plan, per_leaf, pricer))
        prices = asyncio.run(teacher.prompt_prices()) if priced else None
        click.echo(generation_text.dry_run(plan, estimates, priced=priced, prices=prices))
        return EXIT_OK
    if plan.is_empty:
        click.echo(generation_text.skipped_line(plan) or "nothing to generate")
        return EXIT_OK
    summary = _run(config, plan, teacher, workers or default_workers(len(plan.generate)))
    click.echo(generation_text.summary(plan, summary, teacher.usage))
    problems = generation_text.problems(summary)
    if problems:
        click.echo(problems, err=True)
        return EXIT_FINDINGS
    return EXIT_OK


def _configure(
    config: Config,
    model: str | None,
    api_base: str | None,
    concurrency: int | None,
    samples: int | None,
) -> Config:
    teacher = config.teacher
    # Flags override the settings file; the LABTAX_* environment overrides both.
    if model and not os.environ.get("LABTAX_TEACHER_MODEL"):
        teacher = replace(teacher, model=model)
    if api_base and not os.environ.get("LABTAX_TEACHER_API_BASE"):
        teacher = replace(teacher, api_base=api_base, api_bases=())
    if concurrency:
        teacher = replace(teacher, concurrency=concurrency)
    if samples:
        teacher = replace(teacher, samples_per_leaf=samples)
    return replace(config, teacher=teacher)


class _Unpriced:
    """Prices nothing: a dry run without a cost limit never loads litellm's price table."""

    async def estimate_cost(self, messages: Sequence[Message]) -> float | None:
        return None


def _require_price(config: Config, plan: Plan, teacher: Teacher) -> None:
    leaf = plan.generate[0]
    prompt = PIPELINES[leaf.kind].estimated_prompt(leaf, config.teacher.samples_per_leaf)
    if asyncio.run(teacher.estimate_cost(prompt)) is None:
        raise LabtaxError(
            f"--max-cost needs a price, and litellm knows none for {config.teacher.model!r}",
            hint="bound the run with --max-calls instead, or use a model litellm has a price for",
        )


def _run(config: Config, plan: Plan, teacher: Teacher, workers: int) -> RunSummary:
    work: Callable[[Callable[[LeafResult], None] | None], Coroutine[Any, Any, RunSummary]]
    if workers > 1 and len(plan.generate) > 1 and can_fork():
        # Forked before any event loop runs: a worker inherits none.
        work = WorkerPool.start(config, plan, teacher, workers=workers).run
    else:

        def work(
            on_leaf: Callable[[LeafResult], None] | None,
        ) -> Coroutine[Any, Any, RunSummary]:
            return run_plan(config, plan, teacher, on_leaf=on_leaf)

    if not sys.stderr.isatty():
        return asyncio.run(work(None))
    from labtax.render import progress

    return asyncio.run(progress.tracked(len(plan.generate), lambda: teacher.usage, work))

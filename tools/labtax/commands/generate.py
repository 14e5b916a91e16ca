"""`labtax generate`: turn leaves' seed examples into synthetic data with the teacher."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import replace
from pathlib import Path

import click

from labtax import generation
from labtax.commands._options import base_option, project, taxonomy_option
from labtax.config import Config
from labtax.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from labtax.teacher import Budget, Teacher, make_teacher
from labtax.usage import Usage


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
    request = generation.Request(
        tuple(p.resolve() for p in paths),
        changed,
        base,
        generation.parse_shard(shard) if shard else None,
        force,
    )
    plan = generation.plan(config, request)
    per_leaf = config.teacher.samples_per_leaf
    if dry_run:
        return _dry_run(config, plan, per_leaf)
    if plan.is_empty:
        click.echo(_skipped_line(plan) or "nothing to generate")
        return EXIT_OK
    teacher = make_teacher(config.teacher, config.cache_dir, Budget(max_cost, max_calls))
    summary = asyncio.run(_run(config, plan, teacher))
    click.echo(_summary(plan, summary, teacher.usage))
    if summary.budget_message:
        left = summary.count("unfinished")
        click.echo(
            f"error: stopped by the budget: {summary.budget_message}\n"
            f"  {left} {'leaf was' if left == 1 else 'leaves were'} not generated; finished "
            "leaves are written. Run again (with a larger budget) to continue: answers already "
            "received are cached and cost nothing.",
            err=True,
        )
        return EXIT_FINDINGS
    if summary.count("failed"):
        for result in summary.results:
            if result.status == "failed":
                click.echo(f"{result.message}", err=True)
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


async def _run(config: Config, plan: generation.Plan, teacher: Teacher) -> generation.Summary:
    if not sys.stderr.isatty():
        return await generation.run(config, plan, teacher)
    # rich only when a terminal will show the bar: piped and CI runs never pay for importing it.
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
    task = progress.add_task("generate", total=len(plan.generate), usage="")

    def refresh() -> None:
        usage = teacher.usage
        tokens = usage.prompt_tokens + usage.completion_tokens
        progress.update(
            task,
            usage=f"{usage.calls} calls (+{usage.cached_calls} cached) · {tokens:,} tokens · "
            f"{_cost_label(usage)}",
        )

    async def ticker() -> None:
        while True:
            refresh()
            await asyncio.sleep(0.2)

    with progress:
        ticking = asyncio.create_task(ticker())
        try:
            return await generation.run(
                config, plan, teacher, on_leaf=lambda _: progress.advance(task)
            )
        finally:
            ticking.cancel()
            refresh()


def _usage_line(usage: Usage) -> str:
    tokens = usage.prompt_tokens + usage.completion_tokens
    return (
        f"calls {usage.calls} (+{usage.cached_calls} cached)  tokens {tokens:,}  "
        f"cost {_cost_label(usage)}"
    )


def _cost_label(usage: Usage) -> str:
    return "price unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"


def _skipped_line(plan: generation.Plan) -> str:
    parts = []
    if plan.fresh:
        parts.append(f"{len(plan.fresh)} up to date")
    if plan.metadata_only:
        parts.append(f"{len(plan.metadata_only)} with metadata-only changes")
    if plan.other_shards:
        parts.append(f"{plan.other_shards} in other shards")
    return f"skipped: {', '.join(parts)}" if parts else ""


def _dry_run(config: Config, plan: generation.Plan, samples: int) -> int:
    estimates = generation.estimate(plan, samples)
    if estimates:
        estimates = asyncio.run(generation.price(estimates, plan, config))
    lines = ["would generate:" if estimates else "nothing to generate"]
    for item in estimates:
        cost = "price unknown" if item.cost_usd is None else f"<= ${item.cost_usd:.4f}"
        lines.append(
            f"  {item.leaf_id} ({item.kind}): <= {item.calls} calls, "
            f"~{item.prompt_tokens:,} prompt tokens, {cost}"
        )
    for old, new in plan.moves:
        lines.append(f"would move generated data: {old} -> {new}")
    for leaf_id in plan.removals:
        lines.append(f"would remove generated data: {leaf_id}")
    if estimates:
        calls = sum(e.calls for e in estimates)
        costs = [e.cost_usd for e in estimates]
        total = (
            "price unknown"
            if any(c is None for c in costs)
            else f"<= ${sum(c for c in costs if c is not None):.4f}"
        )
        lines.append(
            f"total: {len(estimates)} leaves, <= {calls} calls, {total} "
            "(upper bounds; cached answers cost nothing)"
        )
    skipped = _skipped_line(plan)
    if skipped:
        lines.append(skipped)
    click.echo("\n".join(lines))
    return EXIT_OK


def _summary(plan: generation.Plan, summary: generation.Summary, usage: Usage) -> str:
    lines = [
        f"generated {summary.count('generated')} of {len(plan.generate)} leaves: "
        f"{summary.kept} samples kept, {summary.rejected} rejected",
        f"teacher: {_usage_line(usage)}",
    ]
    if summary.moved:
        lines.append(f"moved data of {len(summary.moved)} renamed leaves")
    if summary.removed:
        lines.append(f"removed data of {len(summary.removed)} deleted leaves")
    skipped = _skipped_line(plan)
    if skipped:
        lines.append(skipped)
    failed = [r.leaf_id for r in summary.results if r.status == "failed"]
    if failed:
        lines.append(f"failed: {', '.join(failed)}")
    return "\n".join(lines)

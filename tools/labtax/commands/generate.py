"""`labtax generate`: turn leaves' seed examples into synthetic data with the teacher."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import replace
from pathlib import Path

import click

from labtax.commands._options import base_option, project, taxonomy_option
from labtax.config import Config
from labtax.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from labtax.generation.estimate import estimate_plan
from labtax.generation.plan import Plan, Selection, make_plan, parse_shard
from labtax.generation.run import RunSummary, run_plan
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
    "--samples",
    type=click.IntRange(min=1),
    metavar="N",
    help="Kept samples to reach per skill leaf (default: samples_per_leaf).",
)
@click.option(
    "--samples-per-chunk",
    type=click.IntRange(min=1),
    metavar="N",
    help="Kept question/answer pairs to reach per knowledge chunk (default: samples_per_chunk).",
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
    samples_per_chunk: int | None,
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
    config = _configure(project(taxonomy), model, api_base, concurrency)
    config = _volumes(config, samples, samples_per_chunk)
    selection = Selection(
        tuple(p.resolve() for p in paths),
        changed,
        base,
        parse_shard(shard) if shard else None,
        force,
    )
    plan = make_plan(config, selection)
    teacher = make_teacher(config.teacher, config.cache_dir, Budget(max_cost, max_calls))
    if dry_run:
        estimates = asyncio.run(estimate_plan(config, plan, teacher))
        click.echo(generation_text.dry_run(plan, estimates))
        return EXIT_OK
    if plan.is_empty:
        click.echo(generation_text.skipped_line(plan) or "nothing to generate")
        return EXIT_OK
    summary = asyncio.run(_run(config, plan, teacher))
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
) -> Config:
    teacher = config.teacher
    # Flags override the settings file; the LABTAX_* environment overrides both.
    if model and not os.environ.get("LABTAX_TEACHER_MODEL"):
        teacher = replace(teacher, model=model)
    if api_base and not os.environ.get("LABTAX_TEACHER_API_BASE"):
        teacher = replace(teacher, api_base=api_base, api_bases=())
    if concurrency:
        teacher = replace(teacher, concurrency=concurrency)
    return replace(config, teacher=teacher)


def _volumes(config: Config, samples: int | None, samples_per_chunk: int | None) -> Config:
    # A volume flag is a choice for this run: it wins over LABTAX_* and the settings file.
    generation = config.generation
    if samples:
        generation = replace(generation, samples_per_leaf=samples)
    if samples_per_chunk:
        generation = replace(generation, samples_per_chunk=samples_per_chunk)
    return replace(config, generation=generation)


async def _run(config: Config, plan: Plan, teacher: Teacher) -> RunSummary:
    if not sys.stderr.isatty():
        return await run_plan(config, plan, teacher)
    from labtax.render import progress

    return await progress.tracked(
        len(plan.generate),
        lambda: teacher.usage,
        lambda on_leaf: run_plan(config, plan, teacher, on_leaf=on_leaf),
    )

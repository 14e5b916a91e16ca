"""`labtax generate`: turn leaves' seed examples into synthetic data with the teacher."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from labtax.commands._options import (
    base_option,
    project,
    require_price,
    require_taxonomy,
    taxonomy_option,
    unmatched_paths_error,
)
from labtax.config import Config
from labtax.errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, UsageError
from labtax.generation import report
from labtax.generation.estimate import estimate_plan
from labtax.generation.plan import Plan, Selection, make_plan, parse_shard, unmatched_paths
from labtax.generation.prefetch import prefetch
from labtax.generation.run import LeafResult, RunSummary, run_plan
from labtax.generation.workers import WorkerPool, can_fork, default_workers
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
@click.option(
    "--price",
    is_flag=True,
    help="With --dry-run: price the calls from litellm's price table (loads the teacher stack).",
)
@click.option("--model", help="litellm model string (wins over LABTAX_TEACHER_MODEL).")
@click.option("--api-base", help="Teacher server URL (wins over LABTAX_TEACHER_API_BASE).")
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
@click.option(
    "--prefetch-only",
    is_flag=True,
    help="Fetch and check the documents of the leaves to generate; no teacher, no key needed.",
)
@click.option(
    "--no-document-fetch",
    is_flag=True,
    help="Read documents from prefetched mirrors only; a missing one fails its leaf.",
)
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
    price: bool,
    max_cost: float | None,
    max_calls: int | None,
    shard: str | None,
    model: str | None,
    api_base: str | None,
    concurrency: int | None,
    samples: int | None,
    samples_per_chunk: int | None,
    force: bool,
    prefetch_only: bool,
    no_document_fetch: bool,
    workers: int | None,
    taxonomy: Path | None,
) -> int:
    """Generate synthetic data for leaves (all, the given PATHs, or --changed ones).

    Leaves whose data already matches their inputs are skipped (no calls); answers are cached, so
    an interrupted run continues where it stopped. A leaf `labtax validate` finds an error in is
    refused before any call. Exits 1 when the budget stops the run (finished leaves are kept), a
    leaf fails or one is refused. A leaf that keeps fewer samples than its target (max_rounds or
    max_calls_per_leaf spent, answers that do not pass) is written and named on stderr with the
    reason; that alone leaves the exit status 0.
    """
    if changed and paths:
        raise UsageError("pass either PATHs or --changed, not both")
    if prefetch_only and (dry_run or no_document_fetch):
        raise UsageError("--prefetch-only fetches documents: no --dry-run, no --no-document-fetch")
    config = _configure(project(taxonomy, paths), model, api_base, concurrency)
    config = _volumes(config, samples, samples_per_chunk)
    if not paths:
        require_taxonomy(config)
    unmatched = unmatched_paths(config, paths)
    if unmatched:
        raise unmatched_paths_error(config, unmatched)
    selection = Selection(
        tuple(p.resolve() for p in paths),
        changed,
        base,
        parse_shard(shard) if shard else None,
        force,
    )
    plan = make_plan(config, selection)
    if prefetch_only:
        results = asyncio.run(prefetch(config, plan))
        click.echo(generation_text.prefetched(results))
        return _refusals(plan, EXIT_OK if all(r.ok for r in results) else EXIT_FINDINGS)
    click.echo(generation_text.teacher_line(config.teacher), err=True)
    teacher = make_teacher(config.teacher, config.cache_dir, Budget(max_cost, max_calls))
    priced = max_cost is not None
    if priced and plan.generate:
        # Refused before anything runs, a dry run included: the limit could not be kept.
        require_price(teacher)
    if dry_run:
        return _dry_run(config, plan, teacher, priced=price or max_cost is not None)
    return _generate(
        config,
        plan,
        teacher,
        workers=workers or default_workers(len(plan.generate)),
        fetch_documents=not no_document_fetch,
    )


def _dry_run(config: Config, plan: Plan, teacher: Teacher, *, priced: bool) -> int:
    # Pricing loads litellm (seconds): only when asked, so a dry run is never slower than a run.
    estimates = asyncio.run(estimate_plan(config, plan, teacher if priced else None))
    prices = asyncio.run(teacher.prompt_prices()) if priced else None
    click.echo(generation_text.dry_run(plan, estimates, priced=priced, prices=prices))
    return _refusals(plan, EXIT_OK)


def _generate(
    config: Config, plan: Plan, teacher: Teacher, *, workers: int, fetch_documents: bool
) -> int:
    if plan.refused:
        report.write_report(config, report.outcomes(config, plan, ()))
    if not plan.generate and not plan.moves and not plan.removals:
        click.echo(generation_text.skipped_line(plan) or "nothing to generate")
        return _refusals(plan, EXIT_OK)
    try:
        run = _run(config, plan, teacher, workers=workers, fetch_documents=fetch_documents)
    except KeyboardInterrupt:
        click.echo(generation_text.interrupted(), err=True)
        return EXIT_INTERRUPTED
    report.write_report(config, report.outcomes(config, plan, run.results))
    click.echo(generation_text.summary(plan, run, teacher.usage))
    short = generation_text.shortfalls(run)
    if short:
        click.echo(short, err=True)
    problems = generation_text.problems(run)
    if problems:
        click.echo(problems, err=True)
    return _refusals(plan, EXIT_FINDINGS if problems else EXIT_OK)


def _refusals(plan: Plan, code: int) -> int:
    """Print the refused leaves; a run that refused any exits 1."""
    if not plan.refused:
        return code
    click.echo(generation_text.refused(plan), err=True)
    return EXIT_FINDINGS


def _configure(
    config: Config,
    model: str | None,
    api_base: str | None,
    concurrency: int | None,
) -> Config:
    teacher = config.teacher
    # Flags win over the LABTAX_* environment, which won over the settings file.
    if model:
        teacher = replace(teacher, model=model)
    if api_base:
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


def _run(
    config: Config, plan: Plan, teacher: Teacher, *, workers: int, fetch_documents: bool
) -> RunSummary:
    work: Callable[[Callable[[LeafResult], None] | None], Coroutine[Any, Any, RunSummary]]
    if workers > 1 and len(plan.generate) > 1 and can_fork():
        # Forked before any event loop runs: a worker inherits none.
        work = WorkerPool.start(
            config, plan, teacher, workers=workers, fetch_documents=fetch_documents
        ).run
    else:

        def work(
            on_leaf: Callable[[LeafResult], None] | None,
        ) -> Coroutine[Any, Any, RunSummary]:
            return run_plan(config, plan, teacher, on_leaf=on_leaf, fetch_documents=fetch_documents)

    if not sys.stderr.isatty():
        return asyncio.run(work(None))
    from labtax.render import progress

    return asyncio.run(progress.tracked(len(plan.generate), lambda: teacher.usage, work))

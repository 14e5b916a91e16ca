"""`labtax eval`: ask a student model each leaf's held-out questions and have the teacher judge."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import click

from labtax.cache import Answer
from labtax.commands._options import (
    base_option,
    format_option,
    project,
    require_price,
    require_taxonomy,
    taxonomy_option,
    unmatched_paths_error,
)
from labtax.config import Config, TeacherConfig
from labtax.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from labtax.evaluation.questions import HeldOut, load_held_out
from labtax.evaluation.records import ModelParams
from labtax.evaluation.run import EvalSummary, Roles, evaluate
from labtax.generation.plan import Selection, make_plan, parse_shard, unmatched_paths
from labtax.leaves import Leaf
from labtax.prompts import EVALUATION, Message, template_hashes
from labtax.render import evaluation_json, evaluation_markdown, evaluation_text
from labtax.teacher import Budget, Spending, Teacher, make_teacher
from labtax.transport import CallParams, Transport
from labtax.usage import Usage


@click.command("eval")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--changed", is_flag=True, help="Only leaves changed against the base ref.")
@base_option
@click.option(
    "--student",
    "student_model",
    metavar="MODEL",
    help="The student's litellm model string (wins over LABTAX_STUDENT_MODEL and the settings).",
)
@click.option(
    "--student-api-base",
    metavar="URL",
    help="The student's server (wins over LABTAX_STUDENT_API_BASE and the settings).",
)
@click.option(
    "--held-out",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="OUT",
    help="An export directory whose test split is asked too (default: [tool.labtax] held_out).",
)
@click.option(
    "--max-cost", type=click.FloatRange(min=0), metavar="USD", help="Stop before spending more."
)
@click.option(
    "--max-calls", type=click.IntRange(min=0), metavar="N", help="Stop before more calls than N."
)
@click.option("--shard", metavar="I/N", help="Only the I-th of N deterministic shards of leaves.")
@format_option(["text", "json", "markdown"], default="text")
@taxonomy_option
def command(
    *,
    paths: tuple[Path, ...],
    changed: bool,
    base: str | None,
    student_model: str | None,
    student_api_base: str | None,
    held_out: Path | None,
    max_cost: float | None,
    max_calls: int | None,
    shard: str | None,
    fmt: str,
    taxonomy: Path | None,
) -> int:
    """Evaluate a student on leaves (all, the given PATHs, or --changed ones).

    Each leaf's seed examples (knowledge ones closed book), and the export's test split with
    --held-out, go to the student; the teacher grades every answer 1-10 against the reference at
    temperature 0. Results go to evaluations/<student>/<leaf>.json; a leaf whose questions,
    student, judge and templates have not changed is not asked again. Exits 1 when a question
    fails (unreachable student, empty answer, no usable grade) or the budget stops the run.
    """
    if changed and paths:
        raise UsageError("pass either PATHs or --changed, not both")
    config = project(taxonomy, paths)
    if not paths:
        require_taxonomy(config)
    unmatched = unmatched_paths(config, paths)
    if unmatched:
        raise unmatched_paths_error(config, unmatched)
    student = _student(config, student_model, student_api_base)
    judge = replace(config.teacher, temperature=0.0)
    selection = Selection(
        tuple(p.resolve() for p in paths),
        changed,
        base,
        parse_shard(shard) if shard else None,
        force=True,
    )
    leaves = make_plan(config, selection).generate
    held = _held_out(config, held_out, leaves)
    spending = Spending(Budget(max_cost, max_calls))
    asked = make_teacher(student, config.cache_dir, spending=spending)
    judged = make_teacher(judge, config.cache_dir, spending=spending)
    if max_cost is not None and leaves:
        # Refused before anything is asked, as `generate` does: the limit could not be kept.
        require_price(judged)
        if _own_server(student) and not _priced(asked):
            asked.transport = OwnServer(asked.transport)
        require_price(asked)
    roles = Roles(_params(student), _params(judge), template_hashes(EVALUATION))
    result = asyncio.run(
        evaluate(
            config,
            leaves,
            asked,
            judged,
            roles,
            held_out=held,
            concurrency=max(student.concurrency, judge.concurrency),
        )
    )
    _show(fmt, student.model, judge.model, result, asked.usage + judged.usage)
    return EXIT_OK if result.ok else EXIT_FINDINGS


def _student(config: Config, model: str | None, api_base: str | None) -> TeacherConfig:
    # Flags win over the environment, which wins over the settings file (config.student).
    student = config.student
    if model:
        student = replace(student, model=model)
    if api_base:
        student = replace(student, api_base=api_base, api_bases=())
    if not student.model:
        raise UsageError(
            "no student model to evaluate",
            hint="pass --student MODEL, or set LABTAX_STUDENT_MODEL or [tool.labtax.student] model",
        )
    return student


def _own_server(student: TeacherConfig) -> bool:
    return bool(student.api_base or student.api_bases)


def _priced(teacher: Teacher) -> bool:
    probe: list[Message] = [{"role": "user", "content": "price"}]
    return asyncio.run(teacher.estimate_cost(probe)) is not None


class OwnServer:
    """A student on a server of the project's own (an API base) that litellm has no price for:
    its answers cost the cost limit nothing, so `--max-cost` bounds the judge (the keyed
    teacher) while every call still counts against `--max-calls`."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner

    async def send(self, messages: Sequence[Message], attempt: int, params: CallParams) -> Answer:
        answer = await self.inner.send(messages, attempt, params)
        return answer if answer.cost_usd is not None else replace(answer, cost_usd=0.0)

    async def estimate_cost(self, messages: Sequence[Message], params: CallParams) -> float | None:
        found = await self.inner.estimate_cost(messages, params)
        return 0.0 if found is None else found


def _held_out(config: Config, given: Path | None, leaves: tuple[Leaf, ...]) -> HeldOut | None:
    out = given.resolve() if given else config.held_out
    if out is None:
        return None
    return load_held_out(out, config.rel(out), {leaf.leaf_id for leaf in leaves})


def _params(config: TeacherConfig) -> ModelParams:
    return ModelParams(config.model, config.temperature, config.max_tokens, config.seed)


def _show(fmt: str, student: str, judge: str, result: EvalSummary, usage: Usage) -> None:
    if fmt == "markdown":
        click.echo(evaluation_markdown.section(student, judge, result), nl=False)
    elif fmt == "json":
        click.echo(evaluation_json.render(student, judge, result), nl=False)
    else:
        click.echo(evaluation_text.summary(student, judge, result, usage))
    problems = evaluation_text.problems(result)
    if problems:
        click.echo(problems, err=True)

"""`labtax generate` as text: the teacher, the dry-run listing, the run summary, why it stopped."""

from __future__ import annotations

from collections.abc import Sequence

from labtax.config import TeacherConfig
from labtax.generation.estimate import LeafEstimate
from labtax.generation.plan import Plan
from labtax.generation.prefetch import PrefetchedLeaf
from labtax.generation.run import RunSummary
from labtax.render.figures import cost, run_usage
from labtax.sanitize import log_text, one_line
from labtax.transport import UNCONFIGURED_MODEL, PromptPrices
from labtax.usage import Usage
from labtax.util import plural, public_url, some

RESUME = (
    "finished leaves are written and every answer received is cached: run the same command "
    "again to continue where it stopped"
)


def teacher_line(teacher: TeacherConfig) -> str:
    """The teacher a run uses: the model and its servers, without credentials."""
    servers = [public_url(url) for url in teacher.servers]
    if teacher.model == UNCONFIGURED_MODEL and not servers:
        return "teacher: none configured (no model, no API base)"
    if not servers:
        where = "the provider's default endpoint"
    elif len(servers) == 1:
        where = servers[0]
    else:
        where = f"{', '.join(servers)} (load-balanced)"
    return f"teacher: {teacher.model} at {where}"


def refused(plan: Plan) -> str:
    """One line per leaf refused before any call, or "" when none is."""
    # The diagnostic quotes the leaf: one line each, none a workflow command (see `sanitize`).
    return "\n".join(
        log_text(
            f"refused {one_line(r.leaf_id)}: {one_line(r.reason)} (run `labtax "
            "validate` and fix the leaf; no teacher call was made for it)"
        )
        for r in plan.refused
    )


def _per_million(per_token: float) -> str:
    return f"${per_token * 1_000_000:.4g} per 1M"


def _cached(prices: PromptPrices) -> str:
    if prices.cached_input_per_token is None:
        return " (no separate price is known for tokens from a prefix cache)"
    return (
        f", {_per_million(prices.cached_input_per_token)} from the server's prefix cache"
        " (the bounds above count every prompt token at the full price)"
    )


def skipped_line(plan: Plan) -> str:
    """Leaves the plan leaves alone, or "" when there are none."""
    parts = []
    if plan.fresh:
        parts.append(f"{len(plan.fresh):,} up to date")
    if plan.metadata_only:
        parts.append(f"{len(plan.metadata_only):,} with metadata-only changes")
    if plan.other_shards:
        parts.append(f"{plan.other_shards:,} in other shards")
    return f"skipped: {', '.join(parts)}" if parts else ""


def dry_run(
    plan: Plan,
    estimates: Sequence[LeafEstimate],
    *,
    priced: bool = True,
    prices: PromptPrices | None = None,
) -> str:
    """The listing of a dry run. Without `priced` (no cost limit asked for prices), costs read
    "not priced"; `prices` adds what a prompt token costs, and one from a prefix cache."""
    lines = ["would generate:" if estimates else "nothing to generate"]
    for item in estimates:
        shown = f", {_bound(item.cost_usd)}" if priced else ""
        lines.append(
            f"  {item.leaf_id} ({item.kind}): <= {plural(item.calls, 'call')}, "
            f"~{item.prompt_tokens:,} prompt tokens{shown}"
        )
    for old, new in plan.moves:
        lines.append(f"would move generated data: {old} -> {new}")
    for leaf_id in plan.removals:
        lines.append(f"would remove generated data: {leaf_id}")
    if estimates:
        calls = sum(e.calls for e in estimates)
        costs = [e.cost_usd for e in estimates]
        total = None if any(c is None for c in costs) else sum(c for c in costs if c is not None)
        priced_total = f", {_bound(total)}" if priced else ""
        lines.append(
            f"total: {plural(len(estimates), 'leaf', 'leaves')}, <= {plural(calls, 'call')}"
            f"{priced_total} (upper bounds; cached answers cost nothing)"
        )
        if not priced:
            lines.append(
                "cost: not estimated (add --price to price the calls from litellm's price table)"
            )
        elif prices is not None:
            lines.append(f"prompt tokens: {_per_million(prices.input_per_token)}{_cached(prices)}")
    skipped = skipped_line(plan)
    if skipped:
        lines.append(skipped)
    return "\n".join(lines)


def _bound(value: float | None) -> str:
    return cost(value, upper_bound=True)


def summary(plan: Plan, run: RunSummary, usage: Usage) -> str:
    lines = [
        f"generated {run.count('generated'):,} of "
        f"{plural(len(plan.generate), 'leaf', 'leaves')}: "
        f"{plural(run.kept, 'sample')} kept, {run.rejected:,} rejected{_short(run)}",
        f"teacher: {run_usage(usage)}",
    ]
    if run.moved:
        lines.append(f"moved data of {plural(len(run.moved), 'renamed leaf', 'renamed leaves')}")
    if run.removed:
        lines.append(
            f"removed data of {plural(len(run.removed), 'deleted leaf', 'deleted leaves')}"
        )
    skipped = skipped_line(plan)
    if skipped:
        lines.append(skipped)
    if plan.refused:
        lines.append(f"refused: {', '.join(r.leaf_id for r in plan.refused)}")
    failed = [r.leaf_id for r in run.results if r.status == "failed"]
    if failed:
        lines.append(f"failed: {', '.join(failed)}")
    return "\n".join(lines)


def shortfalls(run: RunSummary) -> str:
    """A line for each written leaf that kept fewer samples than its target, with the reason,
    or "". A shortfall is no error (the exit status stays 0): the bounds that cause it
    (`max_rounds`, `max_calls_per_leaf`) are settings, and a teacher whose answers do not pass
    its judges is what the rejections and `labtax tree` show."""
    short = [r for r in run.results if r.status == "generated" and r.shortfall]
    if not short:
        return ""
    lines = [f"short of target: {r.leaf_id}: {r.shortfall}" for r in short]
    lines.append(
        "  (raise [tool.labtax.generation] max_calls_per_leaf or max_rounds, or look at the"
        " rejections, then run again: answers already received are cached)"
    )
    return "\n".join(lines)


def _short(run: RunSummary) -> str:
    count = sum(1 for r in run.results if r.status == "generated" and r.shortfall)
    return f"; {plural(count, 'leaf', 'leaves')} short of target" if count else ""


def problems(run: RunSummary) -> str:
    """Why the run did not finish every leaf (failed leaves, the budget), or "" when it did.

    Each failure names its leaf: a located one by its file, any other with the leaf's id in front.
    Leaves that failed the same way (an unreachable server) share one message, said once."""
    lines = []
    by_message: dict[str, list[str]] = {}
    for result in run.results:
        if result.status == "failed":
            by_message.setdefault(result.message, []).append(result.leaf_id)
    for message, leaf_ids in by_message.items():
        if len(leaf_ids) > 1:
            named = f"{plural(len(leaf_ids), 'leaf', 'leaves')}: {some(leaf_ids, 5)}"
            lines.append(f"{message}\n  ({named})")
        elif leaf_ids[0] in message:
            lines.append(message)
        else:
            lines.append(f"{leaf_ids[0]}: {message}")
    if run.budget_message:
        left = run.count("unfinished")
        lines.append(
            f"error: stopped by the budget: {run.budget_message}\n"
            f"  {plural(left, 'leaf was', 'leaves were')} not generated; finished "
            "leaves are written, whole. Run again (with a larger budget) to continue: answers "
            "already received are cached and cost nothing."
        )
    return "\n".join(lines)


def prefetched(results: Sequence[PrefetchedLeaf]) -> str:
    """`--prefetch-only`: how many leaves have their documents ready, then each failure."""
    ready = [r for r in results if r.ok]
    files = sum(r.files for r in ready)
    lines = [
        f"documents ready for {len(ready)} of {len(results)} "
        f"{'leaf' if len(results) == 1 else 'leaves'} ({files} {'file' if files == 1 else 'files'})"
    ]
    lines += [r.message for r in results if not r.ok]
    return "\n".join(lines)


def interrupted() -> str:
    return f"interrupted: {RESUME}"

"""`labtax generate` as text: the dry-run listing, the run summary and why a run stopped."""

from __future__ import annotations

from collections.abc import Sequence

from labtax.generation.estimate import LeafEstimate
from labtax.generation.plan import Plan
from labtax.generation.run import RunSummary
from labtax.transport import PromptPrices
from labtax.usage import Usage
from labtax.util import plural


def cost_label(usage: Usage) -> str:
    return "price unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"


def usage_line(usage: Usage) -> str:
    """A run's teacher usage; the prompt tokens the server said it served from its prefix cache
    when it said any (an order-dependent figure, shown here and never stored)."""
    prefix = (
        f" ({usage.cached_prompt_tokens:,} prompt tokens from the server's prefix cache)"
        if usage.cached_prompt_tokens
        else ""
    )
    return (
        f"calls {usage.calls} (+{usage.cached_calls} cached)  tokens {usage.tokens:,}{prefix}  "
        f"cost {cost_label(usage)}"
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
        parts.append(f"{len(plan.fresh)} up to date")
    if plan.metadata_only:
        parts.append(f"{len(plan.metadata_only)} with metadata-only changes")
    if plan.other_shards:
        parts.append(f"{plan.other_shards} in other shards")
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
    unknown = "price unknown" if priced else "not priced"
    for item in estimates:
        cost = unknown if item.cost_usd is None else f"<= ${item.cost_usd:.4f}"
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
            unknown
            if any(c is None for c in costs)
            else f"<= ${sum(c for c in costs if c is not None):.4f}"
        )
        lines.append(
            f"total: {len(estimates)} leaves, <= {calls} calls, {total} "
            "(upper bounds; cached answers cost nothing)"
        )
        if not priced:
            lines.append("(costs are priced when a cost limit is given: --max-cost USD)")
        elif prices is not None:
            lines.append(f"prompt tokens: {_per_million(prices.input_per_token)}{_cached(prices)}")
    skipped = skipped_line(plan)
    if skipped:
        lines.append(skipped)
    return "\n".join(lines)


def summary(plan: Plan, run: RunSummary, usage: Usage) -> str:
    lines = [
        f"generated {run.count('generated')} of {len(plan.generate)} leaves: "
        f"{run.kept} samples kept, {run.rejected} rejected",
        f"teacher: {usage_line(usage)}",
    ]
    if run.moved:
        lines.append(f"moved data of {len(run.moved)} renamed leaves")
    if run.removed:
        lines.append(f"removed data of {len(run.removed)} deleted leaves")
    skipped = skipped_line(plan)
    if skipped:
        lines.append(skipped)
    failed = [r.leaf_id for r in run.results if r.status == "failed"]
    if failed:
        lines.append(f"failed: {', '.join(failed)}")
    return "\n".join(lines)


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
            shown = ", ".join(leaf_ids[:5]) + (", ..." if len(leaf_ids) > 5 else "")
            lines.append(f"{message}\n  ({plural(len(leaf_ids), 'leaf', 'leaves')}: {shown})")
        elif leaf_ids[0] in message:
            lines.append(message)
        else:
            lines.append(f"{leaf_ids[0]}: {message}")
    if run.budget_message:
        left = run.count("unfinished")
        lines.append(
            f"error: stopped by the budget: {run.budget_message}\n"
            f"  {left} {'leaf was' if left == 1 else 'leaves were'} not generated; finished "
            "leaves are written, whole. Run again (with a larger budget) to continue: answers "
            "already received are cached and cost nothing."
        )
    return "\n".join(lines)

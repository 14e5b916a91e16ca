"""`labtax generate` as text: the dry-run listing, the run summary and why a run stopped."""

from __future__ import annotations

from collections.abc import Sequence

from labtax.generation.estimate import LeafEstimate
from labtax.generation.plan import Plan
from labtax.generation.prefetch import PrefetchedLeaf
from labtax.generation.run import RunSummary
from labtax.usage import Usage


def cost_label(usage: Usage) -> str:
    return "price unknown" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"


def usage_line(usage: Usage) -> str:
    return (
        f"calls {usage.calls} (+{usage.cached_calls} cached)  tokens {usage.tokens:,}  "
        f"cost {cost_label(usage)}"
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


def dry_run(plan: Plan, estimates: Sequence[LeafEstimate]) -> str:
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
    """Why the run did not finish every leaf (the budget, or failed leaves), or "" when it did."""
    if run.budget_message:
        left = run.count("unfinished")
        return (
            f"error: stopped by the budget: {run.budget_message}\n"
            f"  {left} {'leaf was' if left == 1 else 'leaves were'} not generated; finished "
            "leaves are written. Run again (with a larger budget) to continue: answers already "
            "received are cached and cost nothing."
        )
    return "\n".join(r.message for r in run.results if r.status == "failed")


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

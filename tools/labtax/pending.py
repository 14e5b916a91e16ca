"""Changed leaves whose generated data is not there yet: missing, stale, or failed, and why.

A data diff shows how `generated/` changed; a changed leaf whose generation failed changes nothing
there, so the diff alone would read "no generated data changed". For every leaf a branch changed
that needs generation (`changes`), this says whether its data is up to date and, when not, why:
`missing` (never generated), `stale` (generated from older inputs) or `failed` (the last generate
run failed or refused it: its message, from the run report). Without a run report, missing and
stale come from freshness alone. `annotate` adds them, and the teacher calls the run report
knows of, to a data diff.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from labtax import dataset, leaves, yamldoc
from labtax.changes import Change
from labtax.config import Config
from labtax.datadiff import DataDiff, PendingLeaf, PendingState
from labtax.generation.report import RunReport, leaf_hash

_WHY = {
    "missing": "no generated data yet: run labtax generate",
    "stale": "the generated data is from older inputs: run labtax generate",
}


def pending_leaves(
    config: Config, changes: Iterable[Change], report: RunReport | None
) -> tuple[PendingLeaf, ...]:
    """The changed leaves (of those needing generation) whose data is not up to date."""
    found = []
    for change in changes:
        if change.needs_generation:
            item = _pending(config, change, report)
            if item is not None:
                found.append(item)
    return tuple(sorted(found, key=lambda p: p.leaf_id))


def _pending(config: Config, change: Change, report: RunReport | None) -> PendingLeaf | None:
    entry = report.get(change.leaf_id) if report is not None else None
    try:
        leaf = leaves.load_file(config, config.root / change.path)
    except yamldoc.LoadProblem as problem:
        state: PendingState = "stale" if _has_data(config, change.leaf_id) else "missing"
        if entry is not None and entry.status in {"failed", "refused"} and entry.matches(None):
            return PendingLeaf(change.leaf_id, change.path, "failed", entry.message)
        reason = f"the leaf does not load ({problem.message}): fix it, then run labtax generate"
        return PendingLeaf(change.leaf_id, change.path, state, reason)
    freshness = dataset.freshness(config, leaf)
    if freshness == "fresh":
        return None
    if entry is not None and entry.status != "generated" and entry.matches(leaf_hash(config, leaf)):
        if entry.status == "unfinished":
            reason = f"the last run stopped before this leaf was done: {entry.message}"
            return PendingLeaf(change.leaf_id, change.path, freshness, reason)
        return PendingLeaf(change.leaf_id, change.path, "failed", entry.message)
    return PendingLeaf(change.leaf_id, change.path, freshness, _WHY[freshness])


def _has_data(config: Config, leaf_id: str) -> bool:
    return dataset.leaf_dir(config, leaf_id).is_dir()


def annotate(
    diff: DataDiff, *, new_calls: Mapping[str, int], pending: Sequence[PendingLeaf] = ()
) -> DataDiff:
    """`diff` with what the last generate run tells: the teacher calls behind touched leaves
    (`new_calls` by leaf id) and the changed leaves still without up-to-date data."""
    leaves = tuple(
        replace(leaf, new_calls=new_calls.get(leaf.leaf_id)) if leaf.usage_new else leaf
        for leaf in diff.leaves
    )
    runs = [leaf for leaf in leaves if leaf.status != "unchanged" and leaf.usage_new]
    known = [leaf.new_calls for leaf in runs if leaf.new_calls is not None]
    total = sum(known) if runs and len(known) == len(runs) else None
    summary = replace(diff.summary, new_calls=total)
    return replace(diff, leaves=leaves, summary=summary, pending=tuple(pending))

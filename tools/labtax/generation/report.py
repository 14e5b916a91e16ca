"""The run report: how each leaf of the last `labtax generate` runs ended, for `labtax diff`.

`generate` writes `.labtax/run-report.json` (leaf -> status, message, new calls, answers used); the
data diff reads it to name a changed leaf whose generation failed or was refused, and to tell new
teacher calls from cached answers. The file is deterministic (sorted, no timestamps) and lives in
labtax's own state directory, which git ignores.

A run updates the entries of its own leaves and keeps the others, so a run over a few leaves does
not forget why another failed. Each entry records the inputs hash it was made for: a reader trusts
an entry only while the leaf's inputs are the same (`matches`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeGuard

from labtax import inputs, leaves, yamldoc
from labtax.config import Config
from labtax.errors import LabtaxError
from labtax.util import STATE_DIR_NAME, json_document, make_state_dir, write_atomic

if TYPE_CHECKING:
    # Only for annotations: `labtax diff` reads reports without loading the generation stack.
    from labtax.dataset import LeafData
    from labtax.generation.plan import Plan
    from labtax.generation.run import LeafResult

REPORT_NAME = "run-report.json"
REPORT_FORMAT = 1

OutcomeStatus = Literal["generated", "failed", "refused", "unfinished"]
_STATUSES = frozenset({"generated", "failed", "refused", "unfinished"})


@dataclass(frozen=True)
class LeafOutcome:
    """How one leaf's generation ended; `inputs_hash` is None when the leaf did not load."""

    leaf_id: str
    status: OutcomeStatus
    message: str = ""
    inputs_hash: str | None = None
    calls: int = 0  # calls sent to the teacher for this leaf
    answers: int = 0  # answers it used: those calls plus answers from the cache

    def matches(self, inputs_hash: str | None) -> bool:
        """Whether this entry is about the leaf as it is now (same inputs)."""
        return self.inputs_hash == inputs_hash


@dataclass(frozen=True)
class RunReport:
    leaves: tuple[LeafOutcome, ...] = ()

    def get(self, leaf_id: str) -> LeafOutcome | None:
        return next((o for o in self.leaves if o.leaf_id == leaf_id), None)


def report_path(config: Config) -> Path:
    return config.root / STATE_DIR_NAME / REPORT_NAME


def outcomes(config: Config, plan: Plan, results: Iterable[LeafResult]) -> list[LeafOutcome]:
    """The outcome of every leaf a run generated (`results`) or refused."""
    hashes = {leaf.leaf_id: leaf_hash(config, leaf) for leaf in plan.generate}
    found = [
        LeafOutcome(
            r.leaf_id,
            r.status,
            r.message,
            hashes.get(r.leaf_id),
            r.usage.calls,
            r.usage.calls + r.usage.cached_calls,
        )
        for r in results
    ]
    found += [
        LeafOutcome(r.leaf_id, "refused", r.reason, _hash_of_file(config, r.path))
        for r in plan.refused
    ]
    return found


def write_report(config: Config, new: Iterable[LeafOutcome]) -> None:
    """Record these outcomes, keeping earlier entries of other leaves."""
    merged = {o.leaf_id: o for o in (read_report(config) or RunReport()).leaves}
    merged.update((o.leaf_id, o) for o in new)
    document = {
        "labtax_run_report": REPORT_FORMAT,
        "leaves": {
            leaf_id: {
                "answers": o.answers,
                "calls": o.calls,
                "inputs_hash": o.inputs_hash,
                "message": o.message,
                "status": o.status,
            }
            for leaf_id, o in sorted(merged.items())
        },
    }
    path = report_path(config)
    make_state_dir(path.parent)
    write_atomic(path, json_document(document, ascii_only=False))


def read_report(config: Config) -> RunReport | None:
    """The recorded outcomes, or None when there is no report (or it cannot be read: it only
    adds detail, and the next run writes a good one)."""
    try:
        document = json.loads(report_path(config).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("labtax_run_report") != REPORT_FORMAT:
        return None
    entries = document.get("leaves")
    if not isinstance(entries, dict):
        return None
    found = [_entry(leaf_id, entry) for leaf_id, entry in sorted(entries.items())]
    return RunReport(tuple(o for o in found if o is not None))


def new_calls(report: RunReport | None, state: Mapping[str, LeafData]) -> dict[str, int]:
    """The teacher calls the recorded run sent per leaf, for each leaf of `state` (a working
    tree's data) whose stored data that run wrote."""
    found: dict[str, int] = {}
    for leaf_id, data in state.items():
        entry = report.get(leaf_id) if report is not None else None
        manifest = data.manifest
        if entry is None or manifest is None or entry.status != "generated":
            continue
        if entry.matches(manifest.inputs_hash) and entry.answers == manifest.usage.calls:
            found[leaf_id] = entry.calls
    return found


def _entry(leaf_id: object, entry: object) -> LeafOutcome | None:
    if not isinstance(leaf_id, str) or not isinstance(entry, dict):
        return None
    status, message = entry.get("status"), entry.get("message")
    digest, calls, answers = entry.get("inputs_hash"), entry.get("calls"), entry.get("answers")
    if status not in _STATUSES or not isinstance(message, str):
        return None
    if not (digest is None or isinstance(digest, str)):
        return None
    if not (_count(calls) and _count(answers)):
        return None
    return LeafOutcome(leaf_id, status, message, digest, calls, answers)


def _count(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def leaf_hash(config: Config, leaf: leaves.Leaf) -> str | None:
    """The leaf's inputs hash as entries record it; None when it cannot be computed."""
    try:
        return inputs.inputs_hash(config, leaf)
    except LabtaxError:
        return None


def _hash_of_file(config: Config, rel_path: str) -> str | None:
    try:
        leaf = leaves.load_file(config, config.root / rel_path)
    except yamldoc.LoadProblem:
        return None
    return leaf_hash(config, leaf)

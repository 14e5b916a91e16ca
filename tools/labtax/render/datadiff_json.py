"""A data diff as JSON: every leaf and every sample change, for tools and the report artifact."""

from __future__ import annotations

from typing import Any

from labtax.datadiff import DataDiff, DiffSummary, LeafDiff, PendingLeaf, SampleChange
from labtax.dataset.records import Sample
from labtax.usage import Usage
from labtax.util import json_document

# 2: usage counts `answers` (cached ones included), `new_calls` and `pending` were added.
# 3: `outdated_base`, the leaves whose base data is of an older format.
SCHEMA_VERSION = 3


def render(diff: DataDiff) -> str:
    document = {"labtax_data_diff": SCHEMA_VERSION, **diff_dict(diff)}
    # ASCII escapes keep invisible and bidirectional characters visible in any viewer.
    return json_document(document, ascii_only=True)


def diff_dict(diff: DataDiff) -> dict[str, Any]:
    """The diff as plain data: what `render` writes, under its schema version."""
    return {
        "base": diff.base,
        "head": diff.head,
        "summary": _summary_dict(diff.summary),
        "pending": [_pending_dict(p) for p in diff.pending],
        "outdated_base": list(diff.outdated_base),
        "leaves": [_leaf_dict(leaf) for leaf in diff.leaves],
    }


def _summary_dict(summary: DiffSummary) -> dict[str, Any]:
    return {
        "leaves": {
            "old": summary.leaves_old,
            "new": summary.leaves_new,
            "touched": summary.touched,
        },
        "by_status": dict(summary.by_status),
        "samples": {
            "added": summary.samples_added,
            "removed": summary.samples_removed,
            "changed": summary.samples_changed,
        },
        "kept": {"old": summary.kept_old, "new": summary.kept_new},
        "rejected": {"old": summary.rejected_old, "new": summary.rejected_new},
        "rejection_rate": {"old": summary.rejection_rate_old, "new": summary.rejection_rate_new},
        "usage": _usage_dict(summary.usage),
        "cost_known": summary.cost_known,
        "new_calls": summary.new_calls,
    }


def _pending_dict(pending: PendingLeaf) -> dict[str, str]:
    return {
        "leaf_id": pending.leaf_id,
        "path": pending.path,
        "state": pending.state,
        "reason": pending.reason,
    }


def _leaf_dict(leaf: LeafDiff) -> dict[str, Any]:
    return {
        "leaf_id": leaf.leaf_id,
        "status": leaf.status,
        "old_leaf_id": leaf.old_leaf_id,
        "kind": leaf.kind,
        "counts": {
            "added": leaf.count("added"),
            "removed": leaf.count("removed"),
            "changed": leaf.count("changed"),
            "unchanged": leaf.unchanged_samples,
        },
        "kept": {"old": leaf.kept_old, "new": leaf.kept_new},
        "rejected": {"old": leaf.rejected_old, "new": leaf.rejected_new},
        "rejected_by_reason": [
            {"reason": r.reason, "old": r.old, "new": r.new, "delta": r.delta}
            for r in leaf.rejected
        ],
        "teacher_model": {"old": leaf.model_old, "new": leaf.model_new},
        "templates_changed": list(leaf.templates_changed),
        "inputs_changed": leaf.inputs_changed,
        "usage": {
            "old": _usage_dict(leaf.usage_old) if leaf.usage_old else None,
            "new": _usage_dict(leaf.usage_new) if leaf.usage_new else None,
        },
        "new_calls": leaf.new_calls,
        "samples": [_change_dict(s) for s in leaf.samples],
    }


def _change_dict(change: SampleChange) -> dict[str, Any]:
    return {
        "status": change.status,
        "before": _sample_dict(change.before) if change.before else None,
        "after": _sample_dict(change.after) if change.after else None,
    }


def _sample_dict(sample: Sample) -> dict[str, Any]:
    return {
        "id": sample.id,
        "leaf": sample.leaf,
        "kind": sample.kind,
        "form": sample.form,
        "context": sample.context,
        "question": sample.question,
        "answer": sample.answer,
        "score": sample.score,
    }


def _usage_dict(usage: Usage) -> dict[str, Any]:
    # What a manifest records: every answer the leaf used (a manifest's `calls`), whether the run
    # sent a call for it or found it in the cache, with the figures it was first paid with.
    return {
        "answers": usage.calls,
        "prompt_tokens": usage.prompt_tokens,
        "cached_prompt_tokens": usage.cached_prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cost_usd": usage.cost_usd,
    }

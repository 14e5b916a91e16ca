"""What `labtax eval` prints: per leaf its score or why it has none, the calls, the failures."""

from __future__ import annotations

from labtax import sanitize
from labtax.evaluation.records import reading
from labtax.evaluation.run import EvalSummary, LeafEvalResult, LeafEvalStatus
from labtax.render import figures
from labtax.usage import Usage
from labtax.util import plural


def summary(student: str, judge: str, result: EvalSummary, usage: Usage) -> str:
    """One line per leaf, then the totals."""
    count = plural(len(result.results), "leaf", "leaves")
    lines = [sanitize.terminal(f"student {student}, judged by {judge}: {count}", limit=300)]
    lines += [f"  {_leaf_line(r)}" for r in result.results]
    lines.append(f"{_counts(result)}; {figures.run_usage(usage)}")
    return "\n".join(lines)


def _counts(result: EvalSummary) -> str:
    """How the leaves ended: scored now, not evaluated (nothing scored), up to date, stopped."""
    parts = [f"{result.count('evaluated')} evaluated now"]
    ended: tuple[tuple[LeafEvalStatus, str], ...] = (
        ("not evaluated", "not evaluated (no question scored)"),
        ("fresh", "already up to date (no calls)"),
        ("unfinished", "unfinished (stopped by the budget)"),
        ("failed", "failed"),
    )
    for status, words in ended:
        if result.count(status) or status == "fresh":
            parts.append(f"{result.count(status)} {words}")
    return ", ".join(parts)


def problems(result: EvalSummary) -> str:
    """The failures and stops, one per leaf; empty when there are none."""
    lines = []
    for r in result.results:
        leaf = sanitize.terminal(r.leaf_id, limit=200)
        if r.status in ("unfinished", "failed"):
            lines.append(f"{leaf}: {r.status}: {sanitize.terminal(r.message, limit=500)}")
        elif r.evaluation is not None and (r.evaluation.failed or r.status == "not evaluated"):
            why = sanitize.terminal(r.evaluation.reason or "", limit=500)
            count = plural(r.evaluation.failed, "question")
            lines.append(f"{leaf}: {r.status}, {count} failed: {why}")
    if lines:
        lines.insert(0, f"{_trouble(result)}; the leaves:")
    return "\n".join(lines)


def _trouble(result: EvalSummary) -> str:
    parts = []
    if result.failed_questions:
        parts.append(f"{plural(result.failed_questions, 'question')} failed")
    stopped: tuple[LeafEvalStatus, ...] = ("not evaluated", "unfinished", "failed")
    for status in stopped:
        count = result.count(status)
        if count:
            parts.append(f"{plural(count, 'leaf', 'leaves')} {status}")
    return ", ".join(parts)


def _leaf_line(r: LeafEvalResult) -> str:
    leaf = sanitize.terminal(r.leaf_id, limit=200)
    found = r.evaluation
    if found is None:
        return f"{leaf}  {r.status}"
    if found.mean_score is None:
        why = sanitize.terminal(found.reason or "", limit=200)
        return f"{leaf}  not evaluated: {why}"
    fresh = "  (up to date)" if r.status == "fresh" else ""
    failed = f", {found.failed} failed" if found.failed else ""
    return (
        f"{leaf}  {figures.score(found.mean_score)} over {plural(found.evaluated, 'question')}"
        f"{failed}: {reading(found.mean_score)}{fresh}"
    )

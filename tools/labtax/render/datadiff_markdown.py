"""A data diff as GitHub markdown: a sticky pull-request comment, a step summary, a full report.

Everything that came from a leaf or from the teacher goes through `labtax.sanitize` into a code
context. The size cap is enforced by construction: mandatory parts first, then each leaf in full,
or as counts only, or not at all, whichever still fits; a final hard cut guards the limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from labtax import sanitize
from labtax.datadiff import DataDiff, LeafDiff, SampleChange
from labtax.dataset.records import Sample, rejection_rate
from labtax.render import figures
from labtax.util import plural

MARKER = "<!-- labtax-data-diff -->"
DEFAULT_MAX_CHARS = 60_000
DEFAULT_SAMPLES = 3
# In a capped report one field never takes more than this; the full report shows fields whole.
CAPPED_FIELD_CHARS = 1_500
SHORT_FIELD_CHARS = 300
FULL_REPORT = "data-diff.md"
_FOOTER_RESERVE = 600
PENDING_REASON_CHARS = 300

_STATUS_LABEL = {
    "new": "🆕 new",
    "removed": "🗑️ removed",
    "renamed": "🔀 renamed",
    "changed": "✏️ changed",
    "unchanged": "unchanged",
}


def render(
    diff: DataDiff,
    *,
    samples: int | None = DEFAULT_SAMPLES,
    max_chars: int | None = DEFAULT_MAX_CHARS,
    field_chars: int | None = CAPPED_FIELD_CHARS,
    artifact_note: str = "",
) -> str:
    """The markdown report; `None` for `samples`, `max_chars` or `field_chars` means no limit."""
    head = _head(diff)
    if max_chars is None:
        sections = [_leaf(leaf, samples, field_chars) for leaf in diff.touched]
        return "\n\n".join([head, *sections]) + "\n"
    variants = [
        (
            _leaf(leaf, samples, field_chars),
            _leaf(leaf, samples, SHORT_FIELD_CHARS),
            _leaf(leaf, 0, None),
        )
        for leaf in diff.touched
    ]
    return _fit(head, variants, max_chars, artifact_note)


def _fit(
    head: str, sections: Sequence[tuple[str, str, str]], max_chars: int, artifact_note: str
) -> str:
    """Each leaf in the richest form that still fits: full, short fields, counts only, or none."""
    parts = [head]
    used = len(head)
    budget = max_chars - _FOOTER_RESERVE
    full = compact = 0
    for variants in sections:
        for rank, variant in enumerate(variants):
            if used + 2 + len(variant) <= budget:
                parts.append(variant)
                used += 2 + len(variant)
                if rank < len(variants) - 1:
                    full += 1
                else:
                    compact += 1
                break
    omitted = len(sections) - full - compact
    if compact or omitted:
        parts.append(_cut_note(full, compact, omitted, artifact_note))
    text = "\n\n".join(parts) + "\n"
    if len(text) > max_chars:
        # Only reachable with a cap smaller than the summary itself.
        note = "\n\n(cut to the size limit)\n"
        text = text[: max(0, max_chars - len(note))] + note
    return text[:max_chars]


def _cut_note(full: int, compact: int, omitted: int, artifact_note: str) -> str:
    shown = [f"{plural(full, 'leaf section')} shown with examples"]
    if compact:
        shown.append(f"{compact:,} without example samples")
    if omitted:
        shown.append(f"{omitted:,} left out")
    where = artifact_note or f"the full report ({FULL_REPORT}) in this run's artifacts"
    return (
        "> [!NOTE]\n"
        f"> This comment is cut to fit GitHub's size limit: {', '.join(shown)}. See {where}."
    )


def _head(diff: DataDiff) -> str:
    s = diff.summary
    by_status = ", ".join(
        f"{n} {status}" for status, n in s.by_status if n and status != "unchanged"
    )
    run = s.usage
    rows = [
        "| summary | base → head |",
        "|---|---|",
        f"| leaves touched | **{s.touched:,}**" + (f": {by_status}" if by_status else "") + " |",
        f"| samples | **+{s.samples_added:,}** added · **-{s.samples_removed:,}** removed · "
        f"**~{s.samples_changed:,}** changed |",
        _row("kept samples", s.kept_old, s.kept_new),
        _row("rejected samples", s.rejected_old, s.rejected_new),
        f"| rejection rate | {figures.percent(s.rejection_rate_old)} → "
        f"{figures.percent(s.rejection_rate_new)} "
        f"({figures.points(s.rejection_rate_old, s.rejection_rate_new)}) |",
        f"| new data made from | {_answers(run.calls, s.new_calls)} · "
        f"{run.prompt_tokens:,} prompt + {run.completion_tokens:,} completion tokens |",
        f"| cost of those answers | {figures.cost(run.cost_usd, known=s.cost_known)} |",
        _row("leaves with data", s.leaves_old, s.leaves_new),
    ]
    lines = [
        MARKER,
        "### labtax data diff",
        "",
        f"Generated data at {sanitize.code_span(diff.base)} (base) → "
        f"{sanitize.code_span(diff.head)} (head).",
        "",
        *rows,
    ]
    lines += _pending(diff)
    if diff.outdated_base:
        names = [sanitize.code_span(leaf_id) for leaf_id in diff.outdated_base]
        lines += ["", f"> [!NOTE]\n> {figures.outdated_base(names)}"]
    if not diff.touched:
        lines += ["", "No generated data changed." if not diff.pending else _NO_NEW_DATA]
    return "\n".join(lines)


_NO_NEW_DATA = "No generated data changed, but the changed leaves above have no up-to-date data."
_PENDING_LABEL = {"missing": "⚠️ missing", "stale": "⚠️ stale", "failed": "❌ failed"}


def _pending(diff: DataDiff) -> list[str]:
    """Changed leaves without up-to-date data: never cut, so the report cannot hide them."""
    if not diff.pending:
        return []
    count = plural(len(diff.pending), "changed leaf has", "changed leaves have")
    lines = ["", f"> [!WARNING]\n> {count} no up-to-date generated data:", ""]
    lines += [
        f"- {_PENDING_LABEL[p.state]} {sanitize.code_span(p.leaf_id, limit=200)}: "
        f"{sanitize.code_span(p.reason, limit=PENDING_REASON_CHARS)}"
        for p in diff.pending
    ]
    return lines


def _answers(answers: int, new_calls: int | None) -> str:
    shown = f"**{plural(answers, 'answer')}**"
    return shown if new_calls is None else f"{shown} ({plural(new_calls, 'new teacher call')})"


def _row(label: str, old: int, new: int) -> str:
    return f"| {label} | {old:,} → {new:,} ({figures.delta(old, new)}) |"


def _leaf(leaf: LeafDiff, samples: int | None, field_chars: int | None) -> str:
    counts = f"+{leaf.count('added')} -{leaf.count('removed')} ~{leaf.count('changed')}"
    title = f"{_STATUS_LABEL[leaf.status]} {sanitize.html_code(leaf.leaf_id)}"
    if leaf.old_leaf_id:
        title += f" (from {sanitize.html_code(leaf.old_leaf_id)})"
    lines = ["<details>", f"<summary>{title}: {counts}</summary>", "", *_facts(leaf)]
    if samples != 0:
        lines += _examples(leaf, samples, field_chars)
    lines += ["", "</details>"]
    return "\n".join(lines)


def _facts(leaf: LeafDiff) -> list[str]:
    facts = [
        f"- kept: {leaf.kept_old:,} → {leaf.kept_new:,} "
        f"({figures.delta(leaf.kept_old, leaf.kept_new)}); "
        f"rejected: {leaf.rejected_old:,} → {leaf.rejected_new:,}; rejection rate "
        f"{figures.percent(rejection_rate(leaf.rejected_old, leaf.kept_old))} → "
        f"{figures.percent(rejection_rate(leaf.rejected_new, leaf.kept_new))}",
    ]
    if leaf.unchanged_samples:
        facts.append(f"- unchanged samples: {leaf.unchanged_samples:,}")
    if leaf.rejected:
        reasons = ", ".join(
            f"{sanitize.code_span(r.reason, limit=80)} {r.old} → {r.new} "
            f"({figures.delta(r.old, r.new)})"
            for r in leaf.rejected
        )
        facts.append(f"- rejected by reason: {reasons}")
    if leaf.model_old != leaf.model_new and leaf.status in {"changed", "renamed"}:
        facts.append(
            f"- ⚠️ teacher model changed: {_maybe_code(leaf.model_old)} → "
            f"{_maybe_code(leaf.model_new)}"
        )
    elif leaf.model_new or leaf.model_old:
        facts.append(f"- teacher model: {_maybe_code(leaf.model_new or leaf.model_old)}")
    if leaf.templates_changed:
        names = ", ".join(sanitize.code_span(t, limit=80) for t in leaf.templates_changed)
        facts.append(f"- prompt templates changed: {names}")
    if leaf.inputs_changed:
        facts.append("- leaf inputs changed since the base data was generated")
    if leaf.status != "removed":
        facts.append(f"- made from {figures.usage(leaf.usage_new, new_calls=leaf.new_calls)}")
    return facts


def _maybe_code(value: str | None) -> str:
    return sanitize.code_span(value, limit=120) if value is not None else "none"


def _examples(leaf: LeafDiff, samples: int | None, field_chars: int | None) -> list[str]:
    lines: list[str] = []
    for status, heading in (("changed", "Changed"), ("added", "Added"), ("removed", "Removed")):
        group = [c for c in leaf.samples if c.status == status]
        if not group:
            continue
        shown = group if samples is None else group[:samples]
        more = f" (showing {len(shown)} of {len(group):,})" if len(shown) < len(group) else ""
        lines += ["", f"#### {heading}{more}"]
        for change in shown:
            lines += _sample(change, field_chars)
    return lines


def _sample(change: SampleChange, field_chars: int | None) -> list[str]:
    current = change.after or change.before
    if current is None:
        return []
    head = f"Sample {sanitize.code_span(current.id, limit=40)} · {current.form}{_score(change)}"
    lines = ["", head, ""]
    if current.context:
        # Shown once: a grounded user turn is this context followed by the question below.
        where = _chunk(current)
        lines += [f"Context{where}:", "", sanitize.fence(current.context, limit=field_chars), ""]
    lines += ["Question:", "", sanitize.fence(current.question, limit=field_chars), ""]
    if change.status == "changed" and change.before is not None:
        lines += ["Answer before:", "", sanitize.fence(change.before.answer, limit=field_chars), ""]
        lines += ["Answer after:", "", sanitize.fence(current.answer, limit=field_chars)]
    else:
        lines += ["Answer:", "", sanitize.fence(current.answer, limit=field_chars)]
    return lines


def _chunk(sample: Sample) -> str:
    made = sample.provenance
    if not made.document:
        return ""
    return f" (chunk {made.chunk} of {sanitize.code_span(made.document, limit=200)})"


def _score(change: SampleChange) -> str:
    if change.status == "changed" and change.before and change.after:
        before, after = change.before.score, change.after.score
        if before != after:
            return f" · score {before} → {after}"
    current = change.after or change.before
    return f" · score {current.score}" if current else ""

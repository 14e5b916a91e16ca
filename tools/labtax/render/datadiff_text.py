"""A data diff for the terminal, drawn with rich (imported lazily: only this format needs it).

Untrusted text is passed to rich as `Text` objects, never as markup, after control characters are
escaped, so neither `[bold]` in an answer nor an ANSI escape from the teacher can style the screen.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from labtax import sanitize
from labtax.datadiff import DataDiff, LeafDiff, SampleChange
from labtax.dataset.records import rejection_rate
from labtax.render import figures, terminal
from labtax.util import plural

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

FIELD_CHARS = 600
_STYLE = {
    "new": "green",
    "removed": "red",
    "renamed": "cyan",
    "changed": "yellow",
    "unchanged": "dim",
}
_SIGN = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow")}


def render(diff: DataDiff, *, samples: int = 3, color: bool = False, width: int = 100) -> str:
    """The report as text (ANSI-coloured when `color`), laid out for a terminal `width` wide."""

    buffer = io.StringIO()
    console = terminal.console(buffer, color=color, width=width)
    console.print(_summary(diff))
    for line in _totals(diff):
        console.print(_text(line))
    for part in _pending(diff):
        console.print(part)
    if diff.outdated_base:
        names = [sanitize.name(leaf_id, limit=200) for leaf_id in diff.outdated_base]
        console.print(_text(""), _text((figures.outdated_base(names), "yellow")))
    for leaf in diff.touched:
        console.print()
        for part in _leaf(leaf, samples):
            console.print(part)
    if not diff.touched:
        console.print(
            "No generated data changed."
            if not diff.pending
            else "No generated data changed, but the changed leaves above have no up-to-date data."
        )
    text = buffer.getvalue()
    if color:
        return text
    # rich pads table cells and wrapped lines with spaces; piped text must not end lines so.
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


_PENDING_STYLE = {"missing": "yellow", "stale": "yellow", "failed": "bold red"}


def _pending(diff: DataDiff) -> list[RenderableType]:
    if not diff.pending:
        return []
    count = plural(len(diff.pending), "changed leaf has", "changed leaves have")
    parts: list[RenderableType] = [_text(""), _text((f"{count} no up-to-date data:", "bold"))]
    for item in diff.pending:
        parts.append(
            _text(
                (f"  {item.state.upper():<8} ", _PENDING_STYLE[item.state]),
                (sanitize.name(item.leaf_id, limit=200), "bold"),
            )
        )
        parts.append(_text(f"    {sanitize.name(item.reason, limit=FIELD_CHARS)}"))
    return parts


def _text(*parts: tuple[str, str] | str) -> Text:
    from rich.text import Text

    return Text.assemble(*parts)


def _summary(diff: DataDiff) -> RenderableType:
    from rich.table import Table

    s = diff.summary
    table = Table(title="labtax data diff", title_justify="left", show_edge=False)
    table.add_column("")
    table.add_column("base", justify="right")
    table.add_column("head", justify="right")
    table.add_column("change", justify="right")
    table.add_row(
        "generated data",
        _text(_side(diff.base)),
        _text(_side(diff.head)),
        "",
    )
    for label, old, new in (
        ("leaves with data", s.leaves_old, s.leaves_new),
        ("kept samples", s.kept_old, s.kept_new),
        ("rejected samples", s.rejected_old, s.rejected_new),
    ):
        table.add_row(label, f"{old:,}", f"{new:,}", figures.delta(old, new))
    table.add_row(
        "rejection rate",
        figures.percent(s.rejection_rate_old),
        figures.percent(s.rejection_rate_new),
        figures.points(s.rejection_rate_old, s.rejection_rate_new),
    )
    return table


def _side(label: str) -> str:
    """A commit as its short sha (terminals are narrow); anything else as given, made safe."""
    if len(label) == 40 and all(c in "0123456789abcdef" for c in label):
        return label[:12]
    return sanitize.name(label, limit=60)


def _totals(diff: DataDiff) -> list[str]:
    s = diff.summary
    statuses = ", ".join(f"{n} {st}" for st, n in s.by_status if n and st != "unchanged")
    return [
        f"leaves touched: {s.touched:,}" + (f" ({statuses})" if statuses else ""),
        f"samples: +{s.samples_added} added, -{s.samples_removed} removed, "
        f"~{s.samples_changed} changed",
        "the new data is made from "
        + figures.usage(s.usage, known=s.cost_known, new_calls=s.new_calls),
    ]


def _leaf(leaf: LeafDiff, samples: int) -> list[RenderableType]:
    style = _STYLE[leaf.status]
    title = _text(
        (f"{leaf.status.upper():<9} ", f"bold {style}"),
        (sanitize.name(leaf.leaf_id, limit=200), "bold"),
    )
    if leaf.old_leaf_id:
        title.append(f"  (from {sanitize.name(leaf.old_leaf_id, limit=200)})", style="dim")
    title.append(
        f"  +{leaf.count('added')} -{leaf.count('removed')} ~{leaf.count('changed')}", style=style
    )
    parts: list[RenderableType] = [title]
    parts += [_text("  ", line) for line in _facts(leaf)]
    shown: dict[str, int] = {"added": 0, "removed": 0, "changed": 0}
    for change in leaf.samples:
        if shown[change.status] < samples:
            shown[change.status] += 1
            parts += _sample(change)
    hidden = len(leaf.samples) - sum(shown.values())
    if hidden:
        parts.append(_text((f"  … {plural(hidden, 'more sample change')}", "dim")))
    return parts


def _facts(leaf: LeafDiff) -> list[str]:
    lines = [
        f"kept {leaf.kept_old} → {leaf.kept_new}, rejected {leaf.rejected_old} → "
        f"{leaf.rejected_new}, rejection rate "
        f"{figures.percent(rejection_rate(leaf.rejected_old, leaf.kept_old))} → "
        f"{figures.percent(rejection_rate(leaf.rejected_new, leaf.kept_new))}"
    ]
    if leaf.rejected:
        reasons = ", ".join(
            f"{sanitize.name(r.reason, limit=60)} {r.old}→{r.new}" for r in leaf.rejected
        )
        lines.append(f"rejected by reason: {reasons}")
    if leaf.model_changed:
        lines.append(
            f"teacher model changed: {sanitize.name(str(leaf.model_old), limit=120)} → "
            f"{sanitize.name(str(leaf.model_new), limit=120)}"
        )
    if leaf.templates_changed:
        names = ", ".join(sanitize.name(t, limit=60) for t in leaf.templates_changed)
        lines.append(f"prompt templates changed: {names}")
    if leaf.inputs_changed:
        lines.append("leaf inputs changed since the base data was generated")
    if leaf.status != "removed":
        lines.append(f"made from {figures.usage(leaf.usage_new, new_calls=leaf.new_calls)}")
    return lines


def _sample(change: SampleChange) -> list[RenderableType]:
    sign, style = _SIGN[change.status]
    current = change.after or change.before
    if current is None:
        return []
    out: list[RenderableType] = [
        _text(
            (f"  {sign} ", f"bold {style}"),
            (sanitize.name(current.id, limit=40), "dim"),
            (f"  {current.form}", "dim"),
        )
    ]
    if current.context:
        # Shown once: a grounded user turn is this context followed by the question below.
        made = current.provenance
        where = (
            f" (chunk {made.chunk} of {sanitize.name(made.document, limit=200)})"
            if made.document
            else ""
        )
        out.append(_field(f"context{where}", current.context, "dim"))
    out.append(_field("question", current.question, ""))
    if change.status == "changed" and change.before is not None:
        out.append(_field("before", change.before.answer, "red"))
        out.append(_field("after", current.answer, "green"))
    else:
        out.append(_field("answer", current.answer, style))
    return out


def _field(label: str, value: str, style: str) -> RenderableType:
    from rich.padding import Padding

    # Padding indents the lines rich wraps as well as the value's own, so a long answer stays
    # visibly inside its sample instead of running back to the left margin.
    body = sanitize.terminal(value, limit=FIELD_CHARS)
    return Padding(_text((f"{label}: ", "bold"), (body, style)), (0, 0, 0, 4), expand=False)

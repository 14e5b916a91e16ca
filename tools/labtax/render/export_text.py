"""What `labtax export` prints: the mix's phases with their rows, then where everything is."""

from __future__ import annotations

from labtax import sanitize
from labtax.export.tally import MixSummary, PhaseTally
from labtax.util import plural

_INDENT = " " * 12  # under a phase's line


def summary(result: MixSummary) -> str:
    """A line per phase (train and test rows, by source; dropped rows), then the files."""
    out = sanitize.terminal(result.out, limit=300)
    lines = [f"exported the training mix to {out}/"]
    for phase, tally in result.phases.items():
        sources = ", ".join(
            f"{n:,} {sanitize.terminal(s, limit=80)}" for s, n in tally.train.items()
        )
        lines.append(
            f"  {phase:<9} train {tally.train_rows:>9,} rows ({sources or 'none'}); "
            f"test {tally.test_rows:,}; dropped by decontamination {tally.dropped_rows:,}"
        )
        lines.extend(_empty(phase, tally))
        if tally.short_first:
            lines.append(
                f"            the first {plural(tally.short_first, 'train row')} short, then"
                f" {tally.train_rows - tally.short_first:,} long"
            )
    leaves = plural(len(result.leaves), "leaf", "leaves")
    lines.append(f"  from {leaves}; recipe {out}/recipe.yaml; card {out}/README.md")
    behind = result.behind
    if behind:
        listed = ", ".join(sanitize.terminal(f"{t.leaf} ({t.state})", limit=200) for t in behind)
        lines.append(f"  not up to date (--allow-stale): {listed}")
    if result.orphaned:
        listed = ", ".join(sanitize.terminal(o, limit=200) for o in result.orphaned)
        lines.append(f"  not exported, no such leaf any more: {listed}")
    return "\n".join(lines)


def _empty(phase: str, tally: PhaseTally) -> list[str]:
    """What the card leaves out of a phase for want of rows (datasets loads no empty split)."""
    empty = [
        split
        for split, rows in (("train", tally.train_rows), ("test", tally.test_rows))
        if not rows
    ]
    if len(empty) == 2:
        return [
            f"{_INDENT}no rows: the card declares no {phase} config (datasets loads no empty one)"
        ]
    return [
        f"{_INDENT}no {split} rows: the {phase} config has no {split} split "
        "(datasets loads no empty one)"
        for split in empty
    ]

"""The gaps list for the terminal: one line per gap, then what to do."""

from __future__ import annotations

from collections.abc import Sequence

from labtax import sanitize
from labtax.gaps import Gap


def render(gaps: Sequence[Gap]) -> str:
    if not gaps:
        return "no gaps found\n"
    lines = [f"{len(gaps)} gaps:"]
    for gap in gaps:
        where = sanitize.terminal(gap.path, limit=200)
        figure = sanitize.terminal(gap.figure, limit=300)
        lines.append(f"  {gap.kind.replace('_', ' ')}: {where}: {figure}")
        lines.append(f"      {gap.advice}")
    return "\n".join(lines) + "\n"

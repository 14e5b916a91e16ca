"""Numbers as every data-diff and coverage report shows them, so the formats agree."""

from __future__ import annotations

from labtax.usage import Usage


def delta(old: int, new: int) -> str:
    change = new - old
    return f"+{change:,}" if change > 0 else f"{change:,}" if change < 0 else "0"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def score(value: float | None) -> str:
    """A student's mean score, out of 10."""
    return "n/a" if value is None else f"{value:.1f}/10"


def points(old: float | None, new: float | None) -> str:
    """The change of a rate in percentage points."""
    if old is None or new is None:
        return "n/a"
    change = (new - old) * 100
    return "0.0 pp" if abs(change) < 0.05 else f"{change:+.1f} pp"


def cost(value: float | None, *, known: bool = True) -> str:
    if value is None:
        return "unknown"
    shown = f"${value:,.4f}"
    return shown if known else f"≥ {shown} (some costs unknown)"


def usage(run: Usage | None, *, known: bool | None = None) -> str:
    if run is None:
        return "no manifest"
    is_known = run.cost_usd is not None if known is None else known
    return (
        f"{run.calls:,} calls, {run.prompt_tokens:,} prompt + {run.completion_tokens:,} "
        f"completion tokens, cost {cost(run.cost_usd, known=is_known)}"
    )

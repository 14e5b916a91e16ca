"""Numbers as every data-diff and coverage report shows them, so the formats agree."""

from __future__ import annotations

from collections.abc import Sequence

from labtax.usage import Usage
from labtax.util import plural, some


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


UNKNOWN_PRICE = "price unknown"


def cost(value: float | None, *, known: bool = True, upper_bound: bool = False) -> str:
    """A cost as every report shows it: `$0.0125`; `price unknown` when no price is known;
    `at least $x (price unknown for some)` when only some parts are priced (`known=False`);
    `at most $x` for an estimate's upper bound."""
    if value is None:
        return UNKNOWN_PRICE
    shown = f"${value:,.4f}"
    if not known:
        return f"at least {shown} ({UNKNOWN_PRICE} for some)"
    return f"at most {shown}" if upper_bound else shown


def usage(run: Usage | None, *, known: bool | None = None, new_calls: int | None = None) -> str:
    """What a manifest records of the answers behind a leaf's data (cached ones included), with
    the teacher calls the last run made for them when the run report tells."""
    if run is None:
        return "no manifest"
    is_known = run.cost_usd is not None if known is None else known
    calls = "" if new_calls is None else f" ({plural(new_calls, 'new teacher call')})"
    return (
        f"{plural(run.calls, 'answer')}{calls}, {run.prompt_tokens:,} prompt + "
        f"{run.completion_tokens:,} completion tokens, cost: {cost(run.cost_usd, known=is_known)}"
    )


def run_usage(usage: Usage) -> str:
    """What a run spent: calls sent (answers from the cache cost none) and their tokens and cost;
    the prompt tokens the server said it served from its prefix cache when it said any (an
    order-dependent figure, shown here and never stored)."""
    prefix = (
        f" ({usage.cached_prompt_tokens:,} prompt tokens from the server's prefix cache)"
        if usage.cached_prompt_tokens
        else ""
    )
    return (
        f"{plural(usage.calls, 'call')} (+{usage.cached_calls:,} answered from the cache), "
        f"{plural(usage.tokens, 'token')}{prefix}, cost: {cost(usage.cost_usd)}"
    )


def outdated_base(names: Sequence[str]) -> str:
    """Why some leaves of a data diff show all their data as new: `names` (leaf ids, escaped for
    the format) have base data of an older format."""
    count = plural(len(names), "leaf", "leaves")
    return (
        f"The base data of {count} is of an older format (written by an older labtax), so it is"
        f" compared as if the base had none: {some(list(names), 5)}"
    )

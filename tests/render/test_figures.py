"""The numbers every data-diff and coverage report shows, formatted one way."""

from __future__ import annotations

import pytest

from labtax.render import figures
from labtax.usage import Usage


@pytest.mark.parametrize(
    ("old", "new", "shown"), [(1, 1_235, "+1,234"), (2_000, 1, "-1,999"), (5, 5, "0")]
)
def test_delta_is_signed_with_thousands_separators(old: int, new: int, shown: str) -> None:
    assert figures.delta(old, new) == shown


def test_percent_and_points() -> None:
    assert figures.percent(None) == "n/a"
    assert figures.percent(0.25) == "25.0%"
    assert figures.percent(1 / 3) == "33.3%"
    assert figures.points(0.25, 0.30) == "+5.0 pp"
    assert figures.points(0.30, 0.25) == "-5.0 pp"
    assert figures.points(0.25, 0.2504) == "0.0 pp"  # below the shown precision
    assert figures.points(None, 0.5) == "n/a"
    assert figures.points(0.5, None) == "n/a"


def test_cost_says_when_it_is_unknown_or_a_lower_bound() -> None:
    assert figures.cost(None) == "unknown"
    assert figures.cost(1234.5) == "$1,234.5000"
    assert figures.cost(0.0125, known=False) == "≥ $0.0125 (some costs unknown)"


def test_usage_line() -> None:
    run = Usage(calls=1_200, prompt_tokens=34_000, completion_tokens=5_600, cost_usd=0.5)
    assert figures.usage(run) == (
        "1,200 calls, 34,000 prompt + 5,600 completion tokens, cost $0.5000"
    )
    unpriced = Usage(calls=2, prompt_tokens=3, completion_tokens=4, cost_usd=None)
    assert figures.usage(unpriced).endswith("cost unknown")
    assert figures.usage(run, known=False).endswith("cost ≥ $0.5000 (some costs unknown)")
    assert figures.usage(None) == "no manifest"

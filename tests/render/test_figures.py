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


def test_cost_is_spelled_one_way_unknown_partial_or_a_bound() -> None:
    assert figures.cost(None) == "price unknown"
    assert figures.cost(None, upper_bound=True) == "price unknown"
    assert figures.cost(1234.5) == "$1,234.5000"
    assert figures.cost(0.0125, known=False) == "at least $0.0125 (price unknown for some)"
    assert figures.cost(0.5, upper_bound=True) == "at most $0.5000"


def test_usage_counts_answers_and_new_calls_only_when_known() -> None:
    run = Usage(calls=1_200, prompt_tokens=34_000, completion_tokens=5_600, cost_usd=0.5)
    assert figures.usage(run) == (
        "1,200 answers, 34,000 prompt + 5,600 completion tokens, cost: $0.5000"
    )
    assert figures.usage(run, new_calls=1).startswith("1,200 answers (1 new teacher call), ")
    one = Usage(calls=1, prompt_tokens=3, completion_tokens=4, cost_usd=None)
    assert figures.usage(one).startswith("1 answer, ")
    assert figures.usage(one).endswith("cost: price unknown")
    assert figures.usage(run, known=False).endswith(
        "cost: at least $0.5000 (price unknown for some)"
    )
    assert figures.usage(None) == "no manifest"

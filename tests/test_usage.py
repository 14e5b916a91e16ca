"""`Usage` (what teacher calls cost) and `UsageMeter` (adding answers up, in any order)."""

from __future__ import annotations

import itertools

from labtax.usage import Usage, UsageMeter


def test_a_fresh_usage_is_zero_with_a_known_price() -> None:
    usage = Usage()
    assert (usage.calls, usage.cached_calls, usage.tokens, usage.cost_usd) == (0, 0, 0, 0.0)
    assert usage.cost_known


def test_tokens_and_an_unknown_price() -> None:
    usage = Usage(calls=2, prompt_tokens=100, completion_tokens=40, cost_usd=None)
    assert usage.tokens == 140
    assert not usage.cost_known


def test_adding_sums_every_field_and_an_unknown_price_stays_unknown() -> None:
    a = Usage(1, 2, 10, 5, 0.1, 4)
    b = Usage(3, 4, 20, 6, 0.2, 8)
    assert a + b == Usage(4, 6, 30, 11, 0.3, 12)  # exactly 0.3, not 0.30000000000000004
    assert (a + Usage(cost_usd=None)).cost_usd is None
    assert (Usage(cost_usd=None) + a).cost_usd is None


def test_the_meter_counts_sent_and_cached_answers_apart() -> None:
    meter = UsageMeter()
    meter.add(10, 5, 0.01, cached=False)
    meter.add(7, 3, 0.02, cached=True, cached_prompt_tokens=6)
    assert meter.usage == Usage(
        calls=1,
        cached_calls=1,
        prompt_tokens=17,
        completion_tokens=8,
        cost_usd=0.03,
        cached_prompt_tokens=6,
    )
    assert UsageMeter().usage == Usage()


def test_the_meter_total_does_not_depend_on_the_order_answers_arrive() -> None:
    costs = [0.1, 0.2, 0.3, 1e-9, 123.456, 0.7]
    totals = set()
    for order in itertools.permutations(costs):
        meter = UsageMeter()
        for cost in order:
            meter.add(1, 1, cost, cached=False)
        totals.add(meter.usage.cost_usd)
    assert len(totals) == 1


def test_one_unpriced_answer_makes_the_meter_cost_unknown() -> None:
    meter = UsageMeter()
    meter.add(1, 1, 0.5, cached=False)
    meter.add(1, 1, None, cached=False)
    assert meter.usage.cost_usd is None
    assert meter.usage.calls == 2

"""`Usage` (what teacher calls cost) and `UsageMeter` (adding answers up, in any order)."""

from __future__ import annotations

import itertools

from labtax.usage import Usage, UsageMeter, prompt_text, repeated_prefix_tokens
from labtax.util import CHARS_PER_TOKEN


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


def test_absorbing_another_meters_total_adds_every_figure() -> None:
    meter = UsageMeter()
    meter.add(10, 5, 0.1, cached=False, cached_prompt_tokens=4)
    meter.absorb(Usage(2, 3, 20, 6, 0.2, 8))
    assert meter.usage == Usage(3, 3, 30, 11, 0.3, 12)
    meter.absorb(Usage(cost_usd=None))
    assert meter.usage.cost_usd is None


def _common(a: str, b: str) -> str:
    """The longest common prefix, one character at a time."""
    size = 0
    while size < min(len(a), len(b)) and a[size] == b[size]:
        size += 1
    return a[:size]


def _brute_force_repeats(prompts: list[str]) -> int:
    """Characters of each prompt that repeat a prefix of one asked before it, in the given order."""
    total = 0
    for index, prompt in enumerate(prompts):
        earlier = prompts[:index]
        total += max((len(_common(prompt, other)) for other in earlier), default=0)
    return total


def test_repeated_prefixes_are_the_prompts_minus_their_prefix_trie_in_any_order() -> None:
    prompts = [
        "<system>\nBe a careful teacher.\n<user>\nQuestion one?\n",
        "<system>\nBe a careful teacher.\n<user>\nQuestion two?\n",
        "<system>\nBe a careful teacher.\n<user>\nQuestion one?\n",  # asked twice: all repeats
        "<system>\nJudge the answer.\n<user>\nQuestion one?\n",
        "",
    ]
    figures = {repeated_prefix_tokens(list(order)) for order in itertools.permutations(prompts)}
    # The same figure whatever order the calls came in ...
    assert len(figures) == 1
    # ... and, in every order, what each call repeats of the ones before it.
    expected = _brute_force_repeats(prompts) // CHARS_PER_TOKEN
    assert figures == {expected}
    assert expected > 0
    assert repeated_prefix_tokens([]) == repeated_prefix_tokens(["only one"]) == 0


def test_the_prompt_text_a_prefix_cache_sees_is_each_role_then_its_content() -> None:
    messages = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    assert prompt_text(messages) == "<system>\nS\n<user>\nU\n"
    # Moving what differs later keeps more of two prompts in common.
    late = prompt_text([{"role": "system", "content": "S"}, {"role": "user", "content": "A"}])
    early = prompt_text([{"role": "system", "content": "B"}, {"role": "user", "content": "U"}])
    assert _common(prompt_text(messages), late) == "<system>\nS\n<user>\n"
    assert _common(prompt_text(messages), early) == "<system>\n"

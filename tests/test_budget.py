"""The run's budget: single calls, groups (leaves) that are granted whole or not at all, in
priority order, and what a group does not use going back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from labtax.budget import Allowance, Budget, BudgetExceeded, Spending, allowance


def run(coro):
    return asyncio.run(coro)


def priced(value: float | None) -> Callable[[], Awaitable[float | None]]:
    async def price() -> float | None:
        return value

    return price


async def calls_of(account: Spending, group: Allowance, count: int) -> None:
    """`count` calls of `group`, each sent and costing 0.001 (as the teacher settles them)."""
    for _ in range(count):
        if await group.admit(account, 0.001):
            group.settle(0.001, 0.001)
        else:
            await account.reserve(0.001, in_group=True)
            await account.settle(0.001, 0.001)


def test_a_group_is_granted_only_when_the_budget_left_covers_it():
    async def go() -> tuple[Spending, list[str]]:
        account = Spending(Budget(max_calls=10))
        account.bind_loop(asyncio.get_running_loop())
        log: list[str] = []
        async with allowance(account, 0, 6, priced(0.0)) as first:
            await calls_of(account, first, 4)
            log.append("first done")
        # 4 spent, 6 left: a group that may need 6 fits, one that may need 7 never will.
        with pytest.raises(BudgetExceeded) as caught:
            async with allowance(account, 1, 7, priced(0.0)) as big:
                await calls_of(account, big, 1)
        log.append(caught.value.message)
        assert "raise --max-calls" in caught.value.hint
        async with allowance(account, 2, 6, priced(0.0)) as last:
            await calls_of(account, last, 6)
        return account, log

    account, log = run(go())
    assert log == [
        "first done",
        "call budget reached: 4 of 10 used; the 6 left do not cover the next leaf,"
        " which may need up to 7",
    ]
    assert account.calls == 10


def test_groups_wait_for_running_ones_and_go_in_priority_order():
    async def go() -> list[int]:
        account = Spending(Budget(max_calls=10))
        account.bind_loop(asyncio.get_running_loop())
        order: list[int] = []
        release = asyncio.Event()

        async def group(priority: int, uses: int) -> None:
            async with allowance(account, priority, 8, priced(0.0)) as mine:
                await calls_of(account, mine, 1)
                order.append(priority)
                if priority == 0:
                    await release.wait()
                await calls_of(account, mine, uses - 1)

        first = asyncio.create_task(group(0, 2))
        await asyncio.sleep(0.01)
        # Neither fits while the first holds 8 of 10; the lower number goes first when it ends.
        later = [asyncio.create_task(group(p, 2)) for p in (5, 3)]
        await asyncio.sleep(0.01)
        assert order == [0]
        release.set()
        results = await asyncio.gather(first, *later, return_exceptions=True)
        assert results[0] is None
        assert results[2] is None  # priority 3: 2 spent, 8 left
        assert isinstance(results[1], BudgetExceeded)  # priority 5: 4 spent, 6 left < 8
        return order

    assert run(go()) == [0, 3]


def test_a_group_past_its_estimate_draws_on_the_rest_without_waiting_for_itself():
    async def go() -> Spending:
        account = Spending(Budget(max_calls=5))
        account.bind_loop(asyncio.get_running_loop())
        async with allowance(account, 0, 2, priced(0.0)) as mine:
            await calls_of(account, mine, 5)
            with pytest.raises(BudgetExceeded, match="the 0 left do not cover the next call"):
                await calls_of(account, mine, 1)
        return account

    assert run(go()).calls == 5


def test_a_group_served_from_the_cache_asks_for_nothing():
    async def go() -> Spending:
        account = Spending(Budget(max_calls=0))
        account.bind_loop(asyncio.get_running_loop())
        async with allowance(account, 0, 50, priced(0.0)):
            pass  # every answer came from the cache: no call, no grant
        return account

    assert run(go()).calls == 0


def test_a_cost_limit_prices_the_group_and_refuses_an_unknown_price():
    async def go() -> Spending:
        account = Spending(Budget(max_cost_usd=0.05))
        account.bind_loop(asyncio.get_running_loop())
        async with allowance(account, 0, 4, priced(0.01)) as mine:
            assert await mine.admit(account, 0.01)
            assert mine.cost == pytest.approx(0.04)
            mine.settle(0.01, 0.004)
        # 0.004 spent: a group estimated at 5 x 0.01 no longer fits in 0.05.
        with pytest.raises(BudgetExceeded, match="cost budget reached") as caught:
            async with allowance(account, 1, 5, priced(0.01)) as big:
                await big.admit(account, 0.01)
        assert "raise --max-cost" in caught.value.hint
        with pytest.raises(BudgetExceeded, match="--max-cost needs a price"):
            async with allowance(account, 2, 1, priced(None)) as unknown:
                await unknown.admit(account, 0.0)
        return account

    account = run(go())
    assert account.spent_usd == pytest.approx(0.004)


def test_an_unlimited_budget_never_grants_or_waits():
    async def go() -> Spending:
        account = Spending(Budget())
        account.bind_loop(asyncio.get_running_loop())
        async with allowance(account, 0, 1, priced(None)) as mine:
            assert not await mine.admit(account, 0.0)
            await account.reserve(0.0, in_group=True)
            await account.settle(0.0, 0.5)
        return account

    account = run(go())
    assert (account.calls, account.spent_usd) == (1, 0.5)
    assert Allowance.current() is None


def test_a_group_larger_than_the_whole_budget_says_so_not_a_figure_of_the_moment():
    async def go() -> None:
        account = Spending(Budget(max_calls=150))
        account.bind_loop(asyncio.get_running_loop())
        with pytest.raises(BudgetExceeded) as caught:
            async with allowance(account, 0, 201, priced(None)) as big:
                await big.admit(account, 0.0)
        assert str(caught.value.message) == (
            "call budget too small: the next leaf may need up to 201 calls, more than the whole"
            " --max-calls 150"
        )

    run(go())

"""What a run may spend: teacher calls and their cost, against one `Budget`, exactly.

`Spending` is the account. A call reserves its cost estimate before it is sent and settles with
what it cost (nothing, when it failed), so concurrent calls never overshoot together and a failed
call gives its reservation back. Calls of a group that must finish together -- a leaf -- draw on
an `Allowance`: before the group's first call is sent, the group reserves what it is estimated to
need at most, and it is granted only when the budget left covers that, lowest priority number
first. A budget stop then refuses whole groups instead of cutting one in half; what a group did
not use goes back when it ends. A group served entirely from the cache never asks for anything.

The account may live in another process (generation's workers): anything with `Spending`'s
methods is an `Account`, and `Allowance` only talks to its account through them.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from labtax.errors import LabtaxError

Price = Callable[[], Awaitable[float | None]]
Pause = Callable[[], contextlib.AbstractAsyncContextManager[None]]


@dataclass(frozen=True)
class Budget:
    """Limits on what one run may spend; None means unlimited. Cached answers are free."""

    max_cost_usd: float | None = None
    max_calls: int | None = None

    @property
    def limited(self) -> bool:
        return self.max_cost_usd is not None or self.max_calls is not None


class BudgetExceeded(LabtaxError):  # noqa: N818 - the name the design gives it
    """The next call (or group) would go over the budget; raised before anything is sent."""


def no_price(model: str | None = None) -> BudgetExceeded:
    """The one refusal of a cost limit that cannot be enforced (the same words from `--dry-run`,
    the teacher and an allowance, which knows only its price)."""
    name = repr(model) if model else "the teacher's model"
    return BudgetExceeded(
        f"--max-cost needs a price, and litellm knows none for {name}",
        hint="bound the run with --max-calls instead, or use a model litellm has a price for",
    )


class Account(Protocol):
    """What a teacher and an allowance need from the run's budget (`Spending`, or a proxy of it
    in a worker process)."""

    @property
    def budget(self) -> Budget: ...
    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None: ...
    async def reserve(self, estimate: float, *, in_group: bool = False) -> None: ...
    async def settle(self, estimate: float, cost: float | None) -> None: ...
    async def grant(self, priority: int, calls: int, cost: float) -> None: ...
    async def release(self, calls: int, cost: float, used_calls: int, used_cost: float) -> None: ...


class Spending:
    """The run's account: calls sent and their cost, and what is reserved, against a `Budget`."""

    def __init__(self, budget: Budget | None = None) -> None:
        self._budget = budget or Budget()
        self.calls = 0
        # What the calls sent have cost so far (answers without a price count as free here).
        self.spent_usd = 0.0
        # Reserved by single calls running now, and by the groups running now.
        self._pending_calls = 0
        self._pending_cost = 0.0
        self._held_calls = 0
        self._held_cost = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed = asyncio.Condition()
        self._waiting: list[tuple[int, int]] = []
        self._order = itertools.count()

    @property
    def budget(self) -> Budget:
        return self._budget

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Fresh asyncio primitives for a new event loop; what was spent carries over."""
        if loop is not self._loop:
            self._loop = loop
            self._changed = asyncio.Condition()
            self._pending_calls = self._held_calls = 0
            self._pending_cost = self._held_cost = 0.0
            self._waiting = []

    async def reserve(self, estimate: float, *, in_group: bool = False) -> None:
        """Reserve one call costing up to `estimate`, waiting for running calls to settle when
        that could help; `BudgetExceeded` when it cannot fit. A call of a group (`in_group`) past
        its allowance does not wait for groups to end: its own is one of them."""
        if not self._budget.limited:
            self._pending_calls += 1  # nothing can wait on an unlimited budget: no lock
            return
        async with self._changed:
            while True:
                self._check_spent(estimate)
                if self._fits(1, estimate):
                    self._pending_calls += 1
                    self._pending_cost += estimate
                    return
                if not (self._pending_calls or (self._held_calls and not in_group)):
                    raise BudgetExceeded(self._short(1, estimate, "call"), hint=self._help(1))
                # Calls still running may finish cheaper than estimated, or fail and cost nothing.
                await self._changed.wait()

    async def settle(self, estimate: float, cost: float | None) -> None:
        """A reserved call ended: sent at `cost`, or (None) failed and cost nothing."""
        self._pending_calls -= 1
        self._pending_cost -= estimate
        await self._spent(0 if cost is None else 1, cost or 0.0)

    async def grant(self, priority: int, calls: int, cost: float) -> None:
        """Reserve `calls` calls costing up to `cost` for a group, once the budget left covers
        them and no waiting group with a lower `priority` comes first; `BudgetExceeded` when it
        never can (nothing reserved is still running that could give budget back)."""
        ticket = (priority, next(self._order))
        async with self._changed:
            heapq.heappush(self._waiting, ticket)
            try:
                while True:
                    first = self._waiting[0] == ticket
                    if first and self._fits(calls, cost):
                        self._held_calls += calls
                        self._held_cost += cost
                        return
                    if first and not (self._pending_calls or self._held_calls):
                        raise BudgetExceeded(
                            self._short(calls, cost, "leaf"), hint=self._help(calls)
                        )
                    await self._changed.wait()
            finally:
                self._waiting.remove(ticket)
                heapq.heapify(self._waiting)
                self._changed.notify_all()

    async def release(self, calls: int, cost: float, used_calls: int, used_cost: float) -> None:
        """A group's reservation of `calls` calls and `cost` ended, having sent `used_calls`
        calls that cost `used_cost`; the rest goes back."""
        self._held_calls -= calls
        self._held_cost -= cost
        await self._spent(used_calls, used_cost)

    async def _spent(self, calls: int, cost: float) -> None:
        self.calls += calls
        self.spent_usd += cost
        if self._budget.limited:
            async with self._changed:
                self._changed.notify_all()

    def _fits(self, calls: int, cost: float) -> bool:
        limit_cost = self._budget.max_cost_usd
        reserved_cost = self._pending_cost + self._held_cost
        cost_ok = limit_cost is None or self.spent_usd + reserved_cost + cost <= limit_cost + 1e-12
        return cost_ok and self._fits_calls(calls)

    def _fits_calls(self, calls: int) -> bool:
        limit = self._budget.max_calls
        reserved = self._pending_calls + self._held_calls
        return limit is None or self.calls + reserved + calls <= limit

    def _check_spent(self, estimate: float) -> None:
        limit_calls, limit_cost = self._budget.max_calls, self._budget.max_cost_usd
        if limit_calls is not None and self.calls + 1 > limit_calls:
            raise BudgetExceeded(
                f"call budget reached: {self.calls} of {limit_calls} used", hint=self._help(1)
            )
        if limit_cost is not None and self.spent_usd + estimate > limit_cost:
            raise BudgetExceeded(
                f"cost budget reached: ${self.spent_usd:.4f} spent of ${limit_cost:.4f},"
                f" the next call may cost up to ${estimate:.4f}",
                hint=self._help(1),
            )

    def _short(self, calls: int, cost: float, what: str) -> str:
        limit_calls, limit_cost = self._budget.max_calls, self._budget.max_cost_usd
        if limit_calls is not None and calls > limit_calls:
            # Never fits, whatever is used: said so, not as a figure of the moment it was found
            # (the run goes on with other leaves, and its summary shows this line at the end).
            return (
                f"call budget too small: the next {what} may need up to {calls} calls, more than"
                f" the whole --max-calls {limit_calls}"
            )
        if limit_calls is not None and not self._fits_calls(calls):
            left = limit_calls - self.calls - self._pending_calls - self._held_calls
            return (
                f"call budget reached: {self.calls} of {limit_calls} used; the {left} left do not"
                f" cover the next {what}, which may need up to {calls}"
            )
        if limit_cost is not None and cost > limit_cost:
            return (
                f"cost budget too small: the next {what} may cost up to ${cost:.4f}, more than"
                f" the whole --max-cost ${limit_cost:.4f}"
            )
        left_usd = (limit_cost or 0.0) - self.spent_usd - self._pending_cost - self._held_cost
        return (
            f"cost budget reached: ${self.spent_usd:.4f} spent of ${limit_cost or 0.0:.4f}; the"
            f" ${left_usd:.4f} left do not cover the next {what}, which may cost up to"
            f" ${cost:.4f}"
        )

    def _help(self, calls: int) -> str:
        if not self._fits_calls(calls):
            return "raise --max-calls, or select fewer leaves (paths, --shard)"
        return "raise --max-cost, use a cheaper model, or select fewer leaves (paths, --shard)"


_CURRENT: ContextVar[Allowance | None] = ContextVar("labtax_allowance", default=None)


class Allowance:
    """A group's share of the budget: its estimated calls (and their cost, priced once on first
    use), reserved as a whole before its first call is sent; its calls draw on it."""

    def __init__(self, priority: int, calls: int, price: Price, pause: Pause | None = None) -> None:
        self.priority = priority
        self.calls = calls
        self.cost = 0.0
        self.used_calls = 0
        self.used_cost = 0.0
        self._price = price
        self._pause = pause
        self._pending_calls = 0
        self._pending_cost = 0.0
        self._granted = False
        self._lock: asyncio.Lock | None = None

    @staticmethod
    def current() -> Allowance | None:
        """The allowance of the group the running task belongs to, if any."""
        return _CURRENT.get()

    async def admit(self, account: Account, estimate: float) -> bool:
        """Take one call costing up to `estimate` from this allowance (True), asking the account
        for the allowance first; False when the allowance has no room left for it (the caller
        then reserves the call on its own)."""
        budget = account.budget
        if not budget.limited:
            return False
        if not self._granted:
            if self._pause is None:
                await self._obtain(account)
            else:
                # A call waiting for its group's grant holds nothing others need meanwhile (a
                # slot of the run's gate): running groups must be able to finish and give back.
                async with self._pause():
                    await self._obtain(account)
        room_calls = budget.max_calls is None or self.used_calls + self._pending_calls < self.calls
        room_cost = (
            budget.max_cost_usd is None
            or self.used_cost + self._pending_cost + estimate <= self.cost + 1e-12
        )
        if not (room_calls and room_cost):
            return False
        self._pending_calls += 1
        self._pending_cost += estimate
        return True

    def settle(self, estimate: float, cost: float | None) -> None:
        """A call admitted by `admit` ended: sent at `cost`, or (None) failed."""
        self._pending_calls -= 1
        self._pending_cost -= estimate
        if cost is not None:
            self.used_calls += 1
            self.used_cost += cost

    async def _obtain(self, account: Account) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._granted:
                return
            if account.budget.max_cost_usd is not None:
                per_call = await self._price()
                if per_call is None:
                    raise no_price()
                self.cost = per_call * self.calls
            await account.grant(self.priority, self.calls, self.cost)
            self._granted = True

    async def close(self, account: Account) -> None:
        """Give back what the group did not use."""
        if self._granted:
            self._granted = False
            await account.release(self.calls, self.cost, self.used_calls, self.used_cost)


@contextlib.asynccontextmanager
async def allowance(
    account: Account, priority: int, calls: int, price: Price, pause: Pause | None = None
) -> AsyncIterator[Allowance]:
    """Run the body as one group: the teacher calls made inside it (in tasks it starts too) draw
    on one `Allowance` of `calls` calls, returned when the body ends. `pause`, when given, wraps
    the wait for the grant (to give back what a waiting call holds)."""
    group = Allowance(priority, calls, price, pause)
    token = _CURRENT.set(group)
    try:
        yield group
    finally:
        _CURRENT.reset(token)
        await group.close(account)

"""What teacher calls cost: one frozen record, and the meter that adds answers up into it.

`Usage` is what a run, a leaf's manifest and the data diff report. `UsageMeter` accumulates answers
as they arrive; its cost is an exact sum (`math.fsum`), so concurrent calls finishing in any order
give the same figure and a manifest stays byte-identical across runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Usage:
    """Calls sent (`calls`) and answered from the cache (`cached_calls`), tokens and cost.

    `cost_usd` is None when at least one answer had no known price (a self-hosted model).
    `cached_prompt_tokens` are the prompt tokens the server reported serving from its prefix cache
    (a part of `prompt_tokens`; 0 when it reports none).
    """

    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    cached_prompt_tokens: int = 0

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def cost_known(self) -> bool:
        return self.cost_usd is not None

    def __add__(self, other: Usage) -> Usage:
        cost = (
            None
            if self.cost_usd is None or other.cost_usd is None
            else round(math.fsum((self.cost_usd, other.cost_usd)), 10)
        )
        return Usage(
            self.calls + other.calls,
            self.cached_calls + other.cached_calls,
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            cost,
            self.cached_prompt_tokens + other.cached_prompt_tokens,
        )


@dataclass
class UsageMeter:
    """Adds up answers one at a time; `usage` is the total so far."""

    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    costs: list[float | None] = field(default_factory=list)

    def add(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float | None,
        *,
        cached: bool,
        cached_prompt_tokens: int = 0,
    ) -> None:
        """Count one answer; a cached answer counts as a cached call with its stored figures."""
        if cached:
            self.cached_calls += 1
        else:
            self.calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.cached_prompt_tokens += cached_prompt_tokens
        self.costs.append(cost_usd)

    @property
    def usage(self) -> Usage:
        cost = (
            None
            if any(c is None for c in self.costs)
            else round(math.fsum(c for c in self.costs if c is not None), 10)
        )
        return Usage(
            self.calls,
            self.cached_calls,
            self.prompt_tokens,
            self.completion_tokens,
            cost,
            self.cached_prompt_tokens,
        )

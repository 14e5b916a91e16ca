"""What teacher calls cost: one frozen record, and the meter that adds answers up into it.

`Usage` is what a run, a leaf's manifest and the data diff report. `UsageMeter` accumulates answers
as they arrive; its cost is an exact sum (`math.fsum`), so concurrent calls finishing in any order
give the same figure and a manifest stays byte-identical across runs.

Prefix caching: a serving engine computes (and a provider bills) a prompt prefix it has seen before
far cheaper. What a server reports serving from its cache depends on the order calls reach it, so
it is shown for a run (`cached_prompt_tokens` of the teacher's usage) but never stored in data.
`repeated_prefix_tokens` is the order-independent figure stored instead: the prompt tokens of a set
of calls that repeat another call's prefix, computed from the prompts themselves (their total size
minus the size of their prefix trie) -- what an ideal prefix cache would serve, whatever the order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from labtax.util import CHARS_PER_TOKEN


@dataclass(frozen=True)
class Usage:
    """Calls sent (`calls`) and answered from the cache (`cached_calls`), tokens and cost.

    `cost_usd` is None when at least one answer had no known price (a self-hosted model).
    `cached_prompt_tokens` are prompt tokens served from a prefix cache (a part of
    `prompt_tokens`): for a run, what the server reported (0 when it reports none); in a leaf's
    manifest, the order-independent `repeated_prefix_tokens` of the leaf's calls.
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

    def absorb(self, usage: Usage) -> None:
        """Count what another meter added up (a worker process's usage since its last report)."""
        self.calls += usage.calls
        self.cached_calls += usage.cached_calls
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        self.cached_prompt_tokens += usage.cached_prompt_tokens
        self.costs.append(usage.cost_usd)

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


def prompt_text(messages: Sequence[Mapping[str, object]]) -> str:
    """A chat request as one text, in the order a server reads it: each message's role, then its
    content. A prefix cache matches prompts on this."""
    return "".join(f"<{m.get('role', '')}>\n{m.get('content', '')}\n" for m in messages)


def repeated_prefix_tokens(prompts: Iterable[str]) -> int:
    """Tokens of `prompts` that repeat a prefix of another one of them, in any order: their total
    size minus the size of their prefix trie (a prompt asked twice repeats all of itself).

    In sorted order, each prompt shares with its predecessor the longest prefix it shares with any
    other, so the trie's size is the total minus those common prefixes."""
    ordered = sorted(prompts)
    shared = sum(_common_prefix(a, b) for a, b in pairwise(ordered))
    return shared // CHARS_PER_TOKEN


def _common_prefix(a: str, b: str) -> int:
    if a == b:
        return len(a)
    low, high = 0, min(len(a), len(b))
    # Binary search on slices: C-speed comparisons instead of a Python loop per character.
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low

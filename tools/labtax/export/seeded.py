"""Seeded, reproducible choices: every random decision of an export is a hash of the recipe's seed
and the names of what is decided, so the same inputs and recipe give the same mix on any machine
and any Python version (`random`'s algorithms may change between versions; blake2b does not).

- `key(seed, *parts)`: a 64-bit integer; sorting by it is a seeded shuffle.
- `unit(seed, *parts)`: a float in [0, 1), for "with probability p".
- `permutation(draw, n)`: a seeded order of n items from one key;
- `half_up(x)`: rounding as people expect it (2.5 -> 3), unlike Python's `round`.
- `smallest(keys, count)`: the threshold that selects exactly the `count` smallest keys.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Iterable

SPACE = 1 << 64
_blake2b = hashlib.blake2b
_SEPARATOR = "\x1f"  # the unit separator: never part of an id, a leaf path or a form name


def key(seed: int, *parts: object) -> int:
    """A 64-bit integer drawn from the seed and `parts` (their `str`, in order)."""
    message = _SEPARATOR.join([str(seed), *map(str, parts)]).encode("utf-8", "surrogatepass")
    return int.from_bytes(_blake2b(message, digest_size=8).digest(), "big")


def permutation(draw: int, count: int) -> list[int]:
    """A permutation of `range(count)` taken from `draw` (a Fisher-Yates shuffle fed by its
    digits in mixed radix): uniform while `count!` is far below the draw's range, still seeded
    beyond."""
    order = list(range(count))
    for i in range(count - 1, 0, -1):
        draw, j = divmod(draw, i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def unit(seed: int, *parts: object) -> float:
    """A number in [0, 1) drawn from the seed and `parts`."""
    return key(seed, *parts) / SPACE


def half_up(value: float) -> int:
    """`value` rounded to the nearest integer, halves away from zero for non-negative values."""
    return math.floor(value + 0.5)


def smallest(keys: Iterable[int], count: int) -> int:
    """The largest of the `count` smallest `keys`: `key <= smallest(keys, count)` selects exactly
    `count` of them (keys are 64-bit hashes: equal keys are as good as impossible); -1 selects
    none."""
    if count <= 0:
        return -1
    chosen = heapq.nsmallest(count, keys)
    return chosen[-1] if chosen else -1

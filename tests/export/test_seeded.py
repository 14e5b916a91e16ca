"""Seeded choices: stable across runs and machines, different for different seeds."""

from __future__ import annotations

import itertools

from labtax.export import seeded


def test_a_key_depends_on_the_seed_and_every_part_and_never_changes():
    # A fixed value: the same seed and parts give this key on any machine, in any version.
    assert seeded.key(42, "test", "abc") == 0x415B29201CBBED09
    assert seeded.key(42, "test", "abc") != seeded.key(43, "test", "abc")
    assert seeded.key(42, "test", "abc") != seeded.key(42, "test", "abd")
    # Parts are separated: moving text from one part to the next is another key.
    assert seeded.key(42, "ab", "c") != seeded.key(42, "a", "bc")
    assert 0 <= seeded.unit(42, "x") < 1


def test_half_up_rounds_halves_up():
    assert [seeded.half_up(x) for x in (0.4, 0.5, 1.5, 2.5, 2.49)] == [0, 1, 2, 3, 2]


def test_smallest_selects_exactly_the_count_smallest_keys():
    keys = [seeded.key(1, i) for i in range(100)]
    for count in (0, 1, 37, 100, 120):
        threshold = seeded.smallest(keys, count)
        assert sum(k <= threshold for k in keys) == min(count, 100)
    assert seeded.smallest([], 3) == -1


def test_a_permutation_is_one_and_every_order_of_a_few_items_occurs():
    seen = set()
    for draw in range(0, 1 << 16, 7):
        order = seeded.permutation(draw, 4)
        assert sorted(order) == [0, 1, 2, 3]
        seen.add(tuple(order))
    assert seen == set(itertools.permutations(range(4)))
    assert seeded.permutation(5, 0) == []

"""The bucket shuffle: every line out once, in a seeded order that does not depend on the order
lines came in, in bounded memory."""

from __future__ import annotations

import random

from labtax.export import seeded
from labtax.export.shuffle import BUCKET_BYTES, Shuffle, bucket_count


def lines(count: int) -> list[tuple[int, str, int]]:
    return [(seeded.key(1, i), f'{{"n": {i}}}\n', i) for i in range(count)]


def test_every_line_comes_out_once_with_its_tag_in_key_order_per_bucket(tmp_path):
    shuffle = Shuffle(tmp_path / "a", buckets=7, buffer_bytes=200)  # flushes to files often
    for key, text, tag in lines(300):
        shuffle.add(key, text, tag)
    assert shuffle.count == 300
    out = list(shuffle.drain())
    assert sorted(out) == sorted((tag, text) for _, text, tag in lines(300))
    assert list((tmp_path / "a").iterdir()) == []  # bucket files are removed as read


def test_the_order_does_not_depend_on_the_order_of_adding(tmp_path):
    given = lines(500)
    first = Shuffle(tmp_path / "a", buckets=5, buffer_bytes=1000)
    for key, text, tag in given:
        first.add(key, text, tag)
    random.Random(3).shuffle(given)
    second = Shuffle(tmp_path / "b", buckets=5)  # never flushed: all in memory
    for key, text, tag in given:
        second.add(key, text, tag)
    assert list(first.drain()) == list(second.drain())


def test_buckets_are_sized_from_the_expected_bytes():
    assert bucket_count(0) == 1
    assert bucket_count(BUCKET_BYTES) == 1
    assert bucket_count(BUCKET_BYTES + 1) == 2
    assert bucket_count(10 * BUCKET_BYTES) == 10

"""A seeded shuffle of more lines than fit in memory: bucket files by key, sort each bucket.

Each line goes with a 64-bit key (`seeded.key`) and a 64-bit tag the caller reads back (the
knowledge phase tags each row with its replay key). A line lands in bucket `key % buckets`;
buckets are buffered in memory up to a byte budget, then appended to their files. `drain`
reads the buckets back one at a time, sorts each by key (then by the line itself, so the order
never depends on the order lines were added) and yields them: the whole output is one seeded
permutation, and memory holds one bucket. The caller picks the number of buckets from the
expected size, so a bucket stays around `BUCKET_BYTES`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

BUCKET_BYTES = 32 * 1024 * 1024
BUFFER_BYTES = 32 * 1024 * 1024
_FIELD = 16  # hex digits of a key or a tag


def bucket_count(expected_bytes: int) -> int:
    """Buckets for about `expected_bytes` of lines."""
    return max(1, -(-expected_bytes // BUCKET_BYTES))


class Shuffle:
    """Lines in, the same lines out in seeded order; files live under `directory`."""

    def __init__(self, directory: Path, buckets: int, buffer_bytes: int = BUFFER_BYTES) -> None:
        self._directory = directory
        self._buckets = max(1, buckets)
        self._limit = buffer_bytes
        self._buffer: dict[int, list[str]] = {}
        self._buffered = 0
        self._written: set[int] = set()
        self.count = 0
        directory.mkdir(parents=True, exist_ok=True)

    @property
    def buckets(self) -> int:
        return self._buckets

    def add(self, key: int, line: str, tag: int = 0) -> None:
        """Add one line (ending in a newline) with its key and tag."""
        bucket = key % self._buckets
        self._buffer.setdefault(bucket, []).append(f"{key:016x}{tag:016x}{line}")
        self._buffered += len(line) + 2 * _FIELD
        self.count += 1
        if self._buffered >= self._limit:
            self._flush()

    def _flush(self) -> None:
        for bucket, lines in sorted(self._buffer.items()):
            with self._path(bucket).open("a", encoding="utf-8", newline="\n") as handle:
                handle.writelines(lines)
            self._written.add(bucket)
        self._buffer.clear()
        self._buffered = 0

    def _path(self, bucket: int) -> Path:
        return self._directory / f"{bucket:06d}.lines"

    def drain(self) -> Iterator[tuple[int, str]]:
        """Every line with its tag, in seeded order; the bucket files are removed as read."""
        for bucket in range(self._buckets):
            lines = self._buffer.pop(bucket, [])
            if bucket in self._written:
                path = self._path(bucket)
                with path.open(encoding="utf-8", newline="\n") as handle:
                    lines.extend(handle)
                path.unlink()
            lines.sort()
            for entry in lines:
                yield int(entry[_FIELD : 2 * _FIELD], 16), entry[2 * _FIELD :]
            del lines
        self._buffer.clear()
        self._buffered = 0

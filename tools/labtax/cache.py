"""A content-addressed store of teacher answers, so a rerun with unchanged inputs makes no calls.

An entry is keyed by the sha256 of the canonical JSON of everything that changes the answer (model,
messages, sampling parameters) and holds the text with its token and cost figures, so a cached rerun
reproduces the same manifest. Files live at `<dir>/<ab>/<cdef...>.json`; each is written to a
temporary file and linked into place, so a run killed mid-write never leaves a torn entry and a
reader never sees a half-written one. Several processes share one cache (generation's workers, two
runs at once): the first complete entry for a key wins, and a later writer of the same key gets
that entry back instead of replacing it, so every reader of a key sees one answer. An entry that
does not read back cleanly is treated as missing and replaced by the next answer. Entries written
before the server's prefix-cache figure was kept read it as 0.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtax.util import canonical_json, make_state_dir

# Bumped when the entry layout or the key material changes, so old entries are simply not found.
CACHE_FORMAT = 1


@dataclass(frozen=True)
class Answer:
    """One teacher answer as stored: the text and what producing it cost.

    `cached_prompt_tokens` is the part of the prompt the server said it served from its prefix
    cache (0 when it said nothing). `truncated` marks an answer the server cut at the answer limit,
    which a transport returns for the policy to ask again; it is never stored.
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    cached_prompt_tokens: int = 0
    truncated: bool = False


def request_key(request: Mapping[str, Any]) -> str:
    """The cache key of a request: sha256 hex over the canonical JSON of the request and format."""
    material = canonical_json({"format": CACHE_FORMAT, "request": request})
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class ResponseCache:
    """Teacher answers on disk, addressed by `request_key`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._root = os.fspath(directory)
        self._made: set[str] = set()
        self._serial = itertools.count()

    def path_for(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key[2:]}.json"

    def get(self, key: str) -> Answer | None:
        """The stored answer for `key`, or None when absent, unreadable or not a valid entry."""
        try:
            raw = self.path_for(key).read_bytes()
        except OSError:
            return None
        try:
            entry = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return _answer_from(entry, key)

    def put(self, key: str, answer: Answer) -> Answer:
        """Store `answer` under `key` unless a valid entry is there already; returns the stored
        answer (ours, or the one another writer stored first). Atomic either way."""
        if answer.truncated:
            raise ValueError("a truncated answer is never cached")
        entry = {
            "cached_prompt_tokens": answer.cached_prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "cost_usd": answer.cost_usd,
            "format": CACHE_FORMAT,
            "key": key,
            "prompt_tokens": answer.prompt_tokens,
            "text": answer.text,
        }
        shard = os.path.join(self._root, key[:2])  # noqa: PTH118 - str paths: hot path
        if shard not in self._made:
            if not self._made:
                make_state_dir(self.directory)  # a `.labtax` on the way ignores itself
            Path(shard).mkdir(parents=True, exist_ok=True)
            self._made.add(shard)
        target = os.path.join(shard, f"{key[2:]}.json")  # noqa: PTH118
        data = (canonical_json(entry) + "\n").encode("utf-8")
        # Unique per process and write, so concurrent writers of one key never share a temp file.
        tmp = os.path.join(shard, f".{key[2:]}.{os.getpid()}.{next(self._serial)}.tmp")  # noqa: PTH118
        try:
            # No fsync: the link protects against a killed process, which is the failure we
            # promise to survive; syncing every entry would cost more than the calls it saves.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
            return self._place(tmp, target, key, answer)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)  # noqa: PTH108

    def _place(self, tmp: str, target: str, key: str, answer: Answer) -> Answer:
        try:
            # A link fails when the name exists: the first writer of a key wins.
            os.link(tmp, target)
        except FileExistsError:
            stored = self.get(key)
            if stored is not None:
                return stored
            os.replace(tmp, target)  # noqa: PTH105 - a damaged entry: ours replaces it
        except OSError:
            # A file system without hard links: the last complete writer wins instead.
            os.replace(tmp, target)  # noqa: PTH105
        return answer


def _answer_from(entry: object, key: str) -> Answer | None:
    if (
        not isinstance(entry, dict)
        or entry.get("format") != CACHE_FORMAT
        or entry.get("key") != key
    ):
        return None
    text = entry.get("text")
    prompt = entry.get("prompt_tokens")
    completion = entry.get("completion_tokens")
    cost = entry.get("cost_usd")
    prefix = entry.get("cached_prompt_tokens", 0)
    if not isinstance(text, str) or not all(map(_is_count, (prompt, completion, prefix))):
        return None
    assert isinstance(prompt, int)  # noqa: S101 - narrowing for the type checker
    assert isinstance(completion, int)  # noqa: S101
    assert isinstance(prefix, int)  # noqa: S101
    if cost is not None and (isinstance(cost, bool) or not isinstance(cost, int | float)):
        return None
    return Answer(text, prompt, completion, None if cost is None else float(cost), prefix)


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0

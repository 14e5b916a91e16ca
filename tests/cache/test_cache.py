"""The response cache: stable content-addressed keys, sharded atomic files, corruption tolerance."""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from pathlib import Path

import pytest

from labtax.cache import Answer, ResponseCache, request_key

BASE = {
    "model": "openai/some-teacher",
    "messages": [
        {"role": "system", "content": "labtax-stage: x"},
        {"role": "user", "content": "hi"},
    ],
    "temperature": 0.7,
    "max_tokens": 1024,
    "seed": 42,
}


def entry(**changes: object) -> bytes:
    good = {
        "format": 1,
        "key": "KEY",
        "text": "x",
        "prompt_tokens": 1,
        "completion_tokens": 1,
        "cost_usd": None,
    }
    return json.dumps({**good, **changes}).encode()


def test_key_ignores_dict_order_and_is_sha256_hex():
    reordered = {k: BASE[k] for k in reversed(list(BASE))}
    reordered["messages"] = [dict(reversed(list(m.items()))) for m in BASE["messages"]]
    key = request_key(BASE)
    assert key == request_key(reordered)
    assert len(key) == 64
    assert int(key, 16) >= 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("model", "openai/other-teacher"),
        ("temperature", 0.0),
        ("max_tokens", 512),
        ("seed", 7),
        ("messages", [{"role": "user", "content": "hi"}]),
        (
            "messages",
            [{"role": "system", "content": "labtax-stage: x"}, {"role": "user", "content": "hi!"}],
        ),
    ],
)
def test_every_input_that_changes_the_answer_changes_the_key(field, value):
    assert request_key({**BASE, field: value}) != request_key(BASE)


def test_roundtrip_in_a_sharded_file(tmp_path: Path):
    cache = ResponseCache(tmp_path)
    key = request_key(BASE)
    answer = Answer("Ein Gedicht über Flüsse.", 120, 30, 0.00042)
    cache.put(key, answer)
    path = tmp_path / key[:2] / f"{key[2:]}.json"
    assert path.is_file()
    assert cache.get(key) == answer
    # Nothing else is left behind: no temporary files.
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [path.name]
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["text"] == "Ein Gedicht über Flüsse."
    assert stored["cost_usd"] == 0.00042


def test_the_servers_prefix_cache_figure_roundtrips_and_older_entries_read_it_as_0(tmp_path: Path):
    cache = ResponseCache(tmp_path)
    cache.put("ab" * 32, Answer("text", 120, 30, None, cached_prompt_tokens=96))
    assert cache.get("ab" * 32) == Answer("text", 120, 30, None, 96)
    # An entry written before the figure was kept is still a good entry.
    older = cache.path_for("cd" * 32)
    older.parent.mkdir(parents=True)
    older.write_bytes(entry(key="cd" * 32))
    assert cache.get("cd" * 32) == Answer("x", 1, 1, None, 0)


def test_unknown_cost_roundtrips_as_none(tmp_path: Path):
    cache = ResponseCache(tmp_path)
    cache.put("ab" * 32, Answer("", 10, 0, None))
    assert cache.get("ab" * 32) == Answer("", 10, 0, None)


def test_missing_entry_is_none(tmp_path: Path):
    assert ResponseCache(tmp_path / "nowhere").get("cd" * 32) is None


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b'{"text": "trunc',
        b"\xff\xfe not utf-8",
        b"[]",
        b"{}",
        entry(key="WRONG"),
        entry(text=3),
        entry(prompt_tokens=-1),
        entry(completion_tokens=True),
        entry(cost_usd="free"),
        entry(format=999),
        entry(cached_prompt_tokens=-5),
        entry(cached_prompt_tokens="7"),
    ],
)
def test_corrupt_entries_read_as_missing_and_are_rewritten(tmp_path: Path, content: bytes):
    cache = ResponseCache(tmp_path)
    key = "0f" * 32
    path = cache.path_for(key)
    path.parent.mkdir(parents=True)
    path.write_bytes(content.replace(b"KEY", key.encode()))
    assert cache.get(key) is None
    cache.put(key, Answer("fresh", 5, 6, 0.5))
    assert cache.get(key) == Answer("fresh", 5, 6, 0.5)


def test_a_failed_write_keeps_the_old_entry_and_no_temp_file(tmp_path: Path, monkeypatch):
    cache = ResponseCache(tmp_path)
    key = "12" * 32
    path = cache.path_for(key)
    path.parent.mkdir(parents=True)
    path.write_bytes(b'{"text": "torn')

    def broken_replace(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        cache.put(key, Answer("new", 2, 2, None))
    monkeypatch.undo()
    assert path.read_bytes() == b'{"text": "torn'
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    # A failed write of a new entry leaves nothing either.
    other = "13" * 32

    def broken_write(fd: int, data: bytes) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(os, "write", broken_write)
    with pytest.raises(OSError, match="disk full"):
        cache.put(other, Answer("new", 2, 2, None))
    monkeypatch.undo()
    assert cache.get(other) is None
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [path.name]


def test_the_first_writer_of_a_key_wins_and_later_writers_get_its_answer(tmp_path: Path):
    cache, other = ResponseCache(tmp_path), ResponseCache(tmp_path)
    key = "56" * 32
    assert cache.put(key, Answer("first", 1, 1, None)) == Answer("first", 1, 1, None)
    assert other.put(key, Answer("second", 2, 2, None)) == Answer("first", 1, 1, None)
    assert cache.get(key) == Answer("first", 1, 1, None)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [f"{key[2:]}.json"]


def _write_many(directory: str, writer: int, keys: list[str]) -> list[str]:
    cache = ResponseCache(Path(directory))
    return [cache.put(key, Answer(f"writer {writer}", writer, 1, None)).text for key in keys]


def test_concurrent_processes_writing_one_key_all_get_one_answer(tmp_path: Path):
    keys = [f"{i:064x}" for i in range(200)]
    context = multiprocessing.get_context("fork")
    with context.Pool(4) as pool:
        results = pool.starmap(_write_many, [(str(tmp_path), w, keys) for w in range(4)])
    cache = ResponseCache(tmp_path)
    stored = [cache.get(key) for key in keys]
    assert all(answer is not None for answer in stored)
    # Every writer got back exactly what is stored: one answer per key, whoever wrote it.
    for got in results:
        assert got == [answer.text for answer in stored if answer is not None]
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_reader_never_sees_a_half_written_entry(tmp_path: Path):
    key = "78" * 32
    cache = ResponseCache(tmp_path)
    path = cache.path_for(key)
    seen: list[bytes | None] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append(path.read_bytes())
            except OSError:
                seen.append(None)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for size in range(100_000, 400_000, 100_000):
            path.unlink(missing_ok=True)
            cache.put(key, Answer("x" * size, 1, 1, None))
    finally:
        stop.set()
        reader.join()
    # Each read found no entry or a whole one (every whole entry is valid JSON).
    for raw in seen:
        assert raw is None or json.loads(raw)["key"] == key


def test_a_truncated_answer_is_never_stored(tmp_path: Path):
    with pytest.raises(ValueError, match="truncated"):
        ResponseCache(tmp_path).put("9a" * 32, Answer("cut", 1, 1, None, truncated=True))
    assert not any(tmp_path.rglob("*"))


def test_a_directory_in_place_of_an_entry_reads_as_missing(tmp_path: Path):
    cache = ResponseCache(tmp_path)
    key = "34" * 32
    cache.path_for(key).mkdir(parents=True)
    assert cache.get(key) is None

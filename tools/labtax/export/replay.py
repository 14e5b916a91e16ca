"""Replay of outside datasets: rows of a previous mix, or of any JSONL / Parquet file that
`datasets` loads, mixed into a phase so the student does not forget what it learned before.

A source's `path` is a file (`.jsonl`, `.json`, `.parquet`) or the directory of a previous mix,
whose `<phase>/train.jsonl` is replayed into the same phase. It is loaded with `datasets` (the
loader trainers use; imported only here, only when a recipe replays something), its cache in a
directory the caller removes. `wanted` rows are drawn: whole rounds of the source, then the rest
by the lowest `seeded.key(seed, "replay", name, phase, row number)`.

Every drawn row must be a conversation: `messages`, a list of `{"role", "content"}` (other keys
of a message are dropped) with text contents, an optional `system` message first, then `user`
and `assistant` turns alternating, from a user turn to an assistant turn. Its system message is
replaced by the recipe's. Anything else is a `LabtaxError` naming the file and the row (1-based).
Its `id` is the row's own `id` when that is text, else a hash of its messages.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from labtax.errors import LabtaxError, Location
from labtax.export import seeded
from labtax.export.recipe import ReplaySource
from labtax.export.rows import (
    CONVERSATION,
    REPLAY_KIND,
    REPLAY_PREFIX,
    TRAIN_FILE,
    MixRow,
    Turn,
)
from labtax.util import canonical_json

_BUILDERS = {".jsonl": "json", ".json": "json", ".parquet": "parquet"}
_BATCH = 1024
HINT = (
    "replay rows need `messages`: a list of {role, content}, an optional system message, then "
    "user and assistant turns in turn, ending with the assistant"
)


def source_file(source: ReplaySource, phase: str) -> Path:
    """The file replayed into `phase`: the source itself, or a previous mix's phase file."""
    path = source.path
    if path.is_dir():
        path = path / phase / TRAIN_FILE
        if not path.is_file():
            raise LabtaxError(
                f"replay source {source.name!r} is a directory without {phase}/train.jsonl",
                hint="point path at a previous mix (it holds <phase>/train.jsonl) or at a file",
                location=source.where,
            )
    if path.suffix not in _BUILDERS:
        raise LabtaxError(
            f"replay source {source.name!r}: {path.name} is not JSONL or Parquet",
            hint="replay a .jsonl, .json or .parquet file, or a previous mix's directory",
            location=source.where,
        )
    return path


def load(path: Path, shown: str, cache_dir: Path) -> Any:
    """The rows of `path` as a `datasets.Dataset` (its cache in `cache_dir`); an empty file has
    no rows (`datasets` cannot load one)."""
    if path.stat().st_size == 0:
        return ()
    datasets = importlib.import_module("datasets")
    # datasets draws progress bars on stderr; library code stays quiet.
    bars = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        return datasets.load_dataset(
            _BUILDERS[path.suffix], data_files=str(path), split="train", cache_dir=str(cache_dir)
        )
    except Exception as exc:  # datasets raises many types for one cause: an unusable file
        raise LabtaxError(
            f"cannot load the replay file: {type(exc).__name__}: {exc}",
            hint="replay a JSONL or Parquet file whose rows hold `messages`",
            location=Location(shown),
        ) from exc
    finally:
        if bars:
            datasets.enable_progress_bars()


def draw(
    rows: Any,
    source: ReplaySource,
    phase: str,
    wanted: int,
    *,
    seed: int,
    shown: str,
) -> Iterator[tuple[MixRow, int, int]]:
    """(row, copies, row number) for each drawn row of `rows` (what `load` gave)."""
    total = len(rows)
    if wanted <= 0:
        return
    if total == 0:
        raise LabtaxError(
            f"replay source {source.name!r} has no rows to replay into {phase}",
            hint=f"replay a file with rows, or set its {phase} ratio to 0",
            location=source.where,
        )
    if "messages" not in rows.column_names:
        raise _bad(shown, 1, "no `messages` column")
    rounds, rest = divmod(wanted, total)
    keys = (seeded.key(seed, "replay", source.name, phase, i) for i in range(total))
    threshold = seeded.smallest(keys, rest)
    columns = [c for c in ("messages", "id") if c in rows.column_names]
    number = 0
    for batch in rows.select_columns(columns).iter(batch_size=_BATCH):
        ids = batch.get("id", [None] * len(batch["messages"]))
        for messages, own_id in zip(batch["messages"], ids, strict=True):
            number += 1
            chosen = seeded.key(seed, "replay", source.name, phase, number - 1) <= threshold
            copies = rounds + (1 if chosen else 0)
            if copies:
                yield conversation(messages, own_id, source.name, shown, number), copies, number


def conversation(messages: object, own_id: object, name: str, shown: str, number: int) -> MixRow:
    """A replayed row, checked; its system message is left for the recipe's."""
    turns = _turns(messages, shown, number)
    row_id = own_id if isinstance(own_id, str) and own_id else _content_id(turns)
    return MixRow("", REPLAY_KIND, CONVERSATION, REPLAY_PREFIX + name, row_id, turns)


def _turns(messages: object, shown: str, number: int) -> tuple[Turn, ...]:
    if not isinstance(messages, list) or not messages:
        raise _bad(shown, number, "`messages` must be a non-empty list")
    turns: list[Turn] = []
    for at, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise _bad(shown, number, f"message {at + 1} is not a {{role, content}} object")
        role, content = message.get("role"), message.get("content")
        if not isinstance(role, str) or not isinstance(content, str):
            raise _bad(shown, number, f"message {at + 1} needs a text role and content")
        turns.append((role, content))
    if turns[0][0] == "system":
        turns = turns[1:]
    _check_roles([role for role, _ in turns], shown, number)
    return tuple(turns)


def _check_roles(roles: Sequence[str], shown: str, number: int) -> None:
    expected = ["user", "assistant"] * (len(roles) // 2)
    if len(roles) < 2 or list(roles) != expected:
        found = ", ".join(roles) or "nothing"
        raise _bad(shown, number, f"the turns are {found}, not user and assistant in turn")


def _content_id(turns: Sequence[Turn]) -> str:
    return hashlib.sha256(canonical_json([list(t) for t in turns]).encode("utf-8")).hexdigest()[:16]


def _bad(shown: str, number: int, message: str) -> LabtaxError:
    return LabtaxError(f"row {number}: {message}", hint=HINT, location=Location(shown))

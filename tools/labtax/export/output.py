"""Where a mix is written: built aside, then put in place whole.

`OUT` is only ever replaced by a complete mix. The export writes into a sibling temporary
directory (`.OUT.labtax-<pid>.<random>`), and only when everything is written renames the previous
`OUT` aside (`.OUT.labtax-old-<pid>.<random>`) and the new one into place, then removes the old
one; an interrupted export removes its temporary directory and leaves `OUT` as it was. A process
killed outright (SIGKILL, a lost machine) cannot clean up: the next export beside the same `OUT`
removes the directories of that naming pattern whose process is gone (`leftovers`). The mix
directory gets the permissions the umask gives (`mkdtemp` alone would make it 0700).

Only an empty directory or a previous export (its card carries `MARKER`) holding nothing but the
files an export writes (`EXPORT_FILES`) is replaced, and never the project, the taxonomy or
`generated/`: anything else in it (a dataset clone's `.git`, notes) is listed in an error, never
deleted.

The row files are JSON Lines; `parquet_copy` writes the same rows as Parquet (pyarrow, imported
only when asked), streaming in batches, with one schema for every file.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from labtax.config import BRANCHES, Config
from labtax.errors import LabtaxError, Location
from labtax.export.rows import COLUMNS, MESSAGES, PHASES, TEST_FILE, TRAIN_FILE

MARKER = "<!-- labtax export: the next export replaces this directory as a whole -->"
CARD = "README.md"
RESOLVED = "recipe.yaml"
PHASE_DIRS = PHASES
ROW_FILES = frozenset({TRAIN_FILE, TEST_FILE, "train.parquet", "test.parquet"})
EXPORT_FILES = frozenset({CARD, RESOLVED, *PHASE_DIRS})  # OUT's entries an export writes
_PARQUET_BATCH = 8192
_SHOWN_FOREIGN = 10


def check_out(config: Config, out: Path) -> None:
    """Refuse an `OUT` the export must not replace."""
    target = out.resolve()
    shown = config.rel(out)
    root, taxonomy = config.root.resolve(), config.taxonomy.resolve()
    above = [root, taxonomy, config.generated.resolve()]
    # A taxonomy at the project root (InstructLab's layout) holds its leaves in the branches.
    leaves = [taxonomy] if taxonomy != root else [taxonomy / branch for branch in BRANCHES]
    inside = [config.generated.resolve(), *leaves]
    if any(p.is_relative_to(target) for p in above) or any(
        target.is_relative_to(p) for p in inside
    ):
        raise LabtaxError(
            "refusing to write a mix over the project, the taxonomy or generated data",
            hint="choose a directory of its own, e.g. mixes/latest",
            location=Location(shown),
        )
    if not target.exists():
        return
    if not target.is_dir() or target.is_symlink():
        raise LabtaxError(
            "OUT exists and is not a directory", hint="choose another OUT", location=Location(shown)
        )
    if any(target.iterdir()) and not is_export(target):
        raise LabtaxError(
            "OUT holds files that are not a labtax export: refusing to replace them",
            hint="choose an empty or new directory, or one a previous labtax export wrote",
            location=Location(shown),
        )
    foreign = foreign_files(target)
    if foreign:
        listed = ", ".join(foreign[:_SHOWN_FOREIGN])
        more = f" and {len(foreign) - _SHOWN_FOREIGN} more" if len(foreign) > _SHOWN_FOREIGN else ""
        raise LabtaxError(
            "OUT is a previous export but also holds files the export did not write, which "
            f"replacing it would delete: {listed}{more}",
            hint="move them out of OUT, or export to another directory and copy its files in "
            "(e.g. into a dataset's git clone: cp -r NEW/. CLONE/)",
            location=Location(shown),
        )


def foreign_files(out: Path) -> list[str]:
    """The entries of a previous export `out` that no export writes, relative and sorted."""
    found = []
    for entry in sorted(out.iterdir()):
        if entry.name not in EXPORT_FILES or entry.is_dir() != (entry.name in PHASE_DIRS):
            found.append(entry.name + ("/" if entry.is_dir() else ""))
        elif entry.is_dir():
            found.extend(
                f"{entry.name}/{inner.name}" + ("/" if inner.is_dir() else "")
                for inner in sorted(entry.iterdir())
                if inner.name not in ROW_FILES or not inner.is_file()
            )
    return found


def is_export(directory: Path) -> bool:
    """Whether `directory` holds a mix written by labtax export (its card has the marker)."""
    card = directory / CARD
    try:
        return card.is_file() and MARKER in card.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


@contextlib.contextmanager
def staging(out: Path) -> Iterator[Path]:
    """A temporary directory beside `out` to build the mix in; removed unless `replace` moved
    it into place. Directories earlier exports killed outright left beside `out` go first."""
    target = out.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in leftovers(target):
        shutil.rmtree(leftover, ignore_errors=True)
    built = Path(tempfile.mkdtemp(prefix=_prefix(target, "labtax"), dir=target.parent))
    built.chmod(0o777 & ~_umask())
    try:
        yield built
    finally:
        if built.exists():
            shutil.rmtree(built, ignore_errors=True)


def leftovers(out: Path) -> list[Path]:
    """The build and old directories beside `out` that exports whose process is gone left."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.labtax(?:-old)?-(\d+)\.[a-z0-9_]{{8}}")
    found = []
    for entry in sorted(out.parent.iterdir()):
        named = pattern.fullmatch(entry.name)
        if named and entry.is_dir() and not entry.is_symlink() and _gone(int(named.group(1))):
            found.append(entry)
    return found


def _gone(pid: int) -> bool:
    """Whether no other process has the id `pid` (this one's are never left over: each build
    is removed when it ends)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return True
    except PermissionError:
        return False  # another user's process, alive
    return False


def _prefix(target: Path, kind: str) -> str:
    return f".{target.name}.{kind}-{os.getpid()}."


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def replace(built: Path, out: Path) -> None:
    """Put the mix in `built` at `out`, the previous one (if any) removed once it is replaced."""
    target = out.resolve()
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=_prefix(target, "labtax-old"), dir=target.parent))
        old.rmdir()
        target.rename(old)
    built.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def parquet_schema() -> Any:
    pa = importlib.import_module("pyarrow")
    message = pa.struct([("content", pa.string()), ("role", pa.string())])
    # The row's columns (`rows.COLUMNS`): every one a string but the conversation.
    return pa.schema(
        [(name, pa.list_(message) if name == MESSAGES else pa.string()) for name in COLUMNS]
    )


def parquet_copy(jsonl: Path) -> Path:
    """Write the rows of `jsonl` beside it as `.parquet`, in batches; returns the new file."""
    pa = importlib.import_module("pyarrow")
    pq = importlib.import_module("pyarrow.parquet")
    schema = parquet_schema()
    target = jsonl.with_suffix(".parquet")
    with pq.ParquetWriter(str(target), schema) as writer, jsonl.open(encoding="utf-8") as lines:
        batch: list[dict[str, Any]] = []
        for line in lines:
            batch.append(json.loads(line))
            if len(batch) >= _PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch.clear()
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    return target

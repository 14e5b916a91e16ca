"""Where a mix is written: built aside, then put in place whole.

`OUT` is only ever replaced by a complete mix. The export writes into a sibling temporary
directory (`.OUT.<random>`), and only when everything is written renames the previous `OUT` aside
and the new one into place, then removes the old one; an interrupted export removes its temporary
directory and leaves `OUT` as it was. Only an empty directory or a previous export (its card
carries `MARKER`) is replaced, and never the project, the taxonomy or `generated/`.

The row files are JSON Lines; `parquet_copy` writes the same rows as Parquet (pyarrow, imported
only when asked), streaming in batches, with one schema for every file.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from labtax.config import BRANCHES, Config
from labtax.errors import LabtaxError, Location
from labtax.export.rows import COLUMNS, MESSAGES

MARKER = "<!-- labtax export: the next export replaces this directory as a whole -->"
CARD = "README.md"
_PARQUET_BATCH = 8192


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
    it into place."""
    target = out.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    built = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield built
    finally:
        if built.exists():
            shutil.rmtree(built, ignore_errors=True)


def replace(built: Path, out: Path) -> None:
    """Put the mix in `built` at `out`, the previous one (if any) removed once it is replaced."""
    target = out.resolve()
    old: Path | None = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
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

"""Regeneration past one machine: the shards of `regenerate.yml`, packed and merged.

The workflow runs `labtax generate --shard I/N` on N runners. Each packs the data of its shard's
leaves (`pack_shard`: every leaf `generation.plan.in_shard` gives it, which must be fresh after its
run) into a directory uploaded as an artifact. The final job merges the artifacts
(`merge_shards`): every leaf may come from one shard only, every leaf of the taxonomy must be
present and fresh (its manifest matching the leaf's inputs and its own files), and only then is
`generated/` replaced, data of leaves that no longer exist removed, for `labtax pr publish`.
Nothing is written when a check fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from labtax import dataset, leaves
from labtax.config import Config
from labtax.errors import LabtaxError, Location, UsageError
from labtax.generation.plan import in_shard, parse_shard
from labtax.leaves import Leaf
from labtax.util import plural, some

MAX_SHARDS = 256
# Written by `pack_shard` into its directory (a hidden name: never taken for leaf data), so an
# artifact is never empty and merging knows which shard of how many each directory is.
MARKER = ".labtax-shard"


@dataclass(frozen=True)
class ShardPack:
    """The leaves packed for one shard."""

    shard: tuple[int, int]
    leaf_ids: tuple[str, ...]


@dataclass(frozen=True)
class MergedShards:
    """What merging wrote: leaves taken from each shard directory, and orphaned data removed."""

    taken: dict[str, tuple[str, ...]]
    removed: tuple[str, ...]


def shard_numbers(count: int) -> list[int]:
    """The matrix of a run with `count` shards: 1 .. count."""
    if not 1 <= count <= MAX_SHARDS:
        raise UsageError(
            f"the number of shards must be between 1 and {MAX_SHARDS}, got {count}",
            hint="pass the number of runners to spread the leaves over",
        )
    return list(range(1, count + 1))


def pack_shard(config: Config, shard: tuple[int, int], out: Path) -> ShardPack:
    """Copy the data of every leaf of `shard` into `out/<leaf id>/`; each must be fresh."""
    mine = [leaf for leaf in leaves.load_all(config) if in_shard(leaf.leaf_id, shard)]
    _require_fresh(config, mine, f"shard {shard[0]}/{shard[1]}")
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(f"{shard[0]}/{shard[1]}\n", encoding="utf-8")
    for leaf in mine:
        dataset.copy_leaf(
            dataset.leaf_dir(config, leaf.leaf_id), out.joinpath(*leaf.leaf_id.split("/"))
        )
    return ShardPack(shard, tuple(leaf.leaf_id for leaf in mine))


def merge_shards(config: Config, directories: Sequence[Path]) -> MergedShards:
    """Check the shard directories together, then make `generated/` exactly their leaves."""
    planned = leaves.load_all(config)
    by_id = {leaf.leaf_id: leaf for leaf in planned}
    _check_markers(directories)
    source: dict[str, Path] = {}
    taken: dict[str, list[str]] = {str(d): [] for d in directories}
    for directory in directories:
        shard = replace(config, generated=directory)
        for leaf_id in dataset.stored_leaf_ids(shard):
            if leaf_id in source:
                raise LabtaxError(
                    f"leaf {leaf_id} appears in two shards: {source[leaf_id]} and {directory}",
                    hint="each leaf belongs to one shard: run every shard with the same --shard"
                    " count on the same commit",
                )
            if leaf_id not in by_id:
                raise LabtaxError(
                    f"shard {directory} holds data of {leaf_id}, which is not a leaf of the"
                    " taxonomy",
                    hint="merge shards generated from the commit checked out here",
                )
            source[leaf_id] = directory
            taken[str(directory)].append(leaf_id)
    missing = [leaf_id for leaf_id in by_id if leaf_id not in source]
    if missing:
        raise LabtaxError(
            f"{plural(len(missing), 'planned leaf', 'planned leaves')} missing from every shard:"
            f" {some(missing)}",
            hint="a shard did not finish (its budget, a failed leaf): rerun it; cached answers"
            " cost nothing",
        )
    for directory in directories:
        shard = replace(config, generated=directory)
        _require_fresh(shard, [by_id[i] for i in taken[str(directory)]], str(directory))
    removed = tuple(i for i in dataset.stored_leaf_ids(config) if i not in by_id)
    for leaf_id in removed:
        dataset.remove_leaf(config, leaf_id)
    for leaf_id, directory in sorted(source.items()):
        source_dir = directory.joinpath(*leaf_id.split("/"))
        dataset.copy_leaf(source_dir, dataset.leaf_dir(config, leaf_id))
    return MergedShards({k: tuple(v) for k, v in taken.items()}, removed)


def _check_markers(directories: Sequence[Path]) -> None:
    """Each directory is one shard of the same count, and every shard of that count is there."""
    seen: dict[int, Path] = {}
    counts: set[int] = set()
    for directory in directories:
        try:
            text = (directory / MARKER).read_text(encoding="utf-8").strip()
            index, count = parse_shard(text)
        except (OSError, UnicodeDecodeError, UsageError):
            raise LabtaxError(
                f"not a shard directory: no readable {MARKER}",
                hint="merge the directories `labtax pr shard-data` wrote",
                location=Location(str(directory)),
            ) from None
        if index in seen:
            raise LabtaxError(
                f"shard {index}/{count} is given twice: {seen[index]} and {directory}",
                hint="pass each shard's directory once",
            )
        seen[index] = directory
        counts.add(count)
    if len(counts) > 1:
        raise LabtaxError(
            f"the directories come from runs with different shard counts: {sorted(counts)}",
            hint="merge the shards of one run",
        )
    count = counts.pop() if counts else 0
    absent = [str(i) for i in range(1, count + 1) if i not in seen]
    if absent:
        raise LabtaxError(
            f"shard(s) {', '.join(absent)} of {count} are missing",
            hint="every shard's artifact is needed: rerun the shards that failed",
        )


def _require_fresh(config: Config, wanted: Sequence[Leaf], where: str) -> None:
    stale = [leaf.leaf_id for leaf in wanted if dataset.freshness(config, leaf) != "fresh"]
    if stale:
        raise LabtaxError(
            f"{where}: the data of {plural(len(stale), 'leaf', 'leaves')} is missing or does not"
            f" match the leaf: {some(stale)}",
            hint="generation did not finish these leaves (the budget, a failure): rerun the"
            " shard; cached answers cost nothing",
        )

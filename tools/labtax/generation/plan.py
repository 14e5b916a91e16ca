"""Planning a run: which leaves to generate, which data to move and remove; no teacher call.

Leaves come from paths, `--changed` (minus metadata-only changes) or, with neither, every leaf
whose data is missing or stale; `--shard I/N` keeps the leaves whose leaf-id hash falls in shard I.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from labtax import changes, dataset, leaves, yamldoc
from labtax.config import BRANCHES, Config
from labtax.errors import LabtaxError, Location, UsageError
from labtax.leaves import Leaf


@dataclass(frozen=True)
class Selection:
    """Which leaves the user asked for on the command line."""

    paths: tuple[Path, ...] = ()
    changed: bool = False
    base: str | None = None
    shard: tuple[int, int] | None = None  # (index, count), index 1-based
    force: bool = False


@dataclass(frozen=True)
class Plan:
    """What a run will do; computed without any teacher call."""

    generate: tuple[Leaf, ...]
    fresh: tuple[str, ...] = ()
    metadata_only: tuple[str, ...] = ()
    moves: tuple[tuple[str, str], ...] = ()  # (old leaf id, new leaf id)
    removals: tuple[str, ...] = ()
    other_shards: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.generate or self.moves or self.removals)


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N` with 1 <= I <= N."""
    index, sep, count = text.partition("/")
    if sep and index.strip().isdigit() and count.strip().isdigit():
        i, n = int(index), int(count)
        if 1 <= i <= n:
            return i, n
    raise UsageError(f"invalid --shard {text!r}", hint="use I/N with 1 <= I <= N, e.g. --shard 2/4")


def in_shard(leaf_id: str, shard: tuple[int, int] | None) -> bool:
    """Deterministic split of leaves across shards by a hash of the leaf id."""
    if shard is None:
        return True
    number = int.from_bytes(hashlib.sha256(leaf_id.encode("utf-8")).digest()[:8], "big")
    return number % shard[1] == shard[0] - 1


def make_plan(config: Config, selection: Selection) -> Plan:
    """Which leaves to generate, move and remove for `selection`."""
    if selection.changed:
        return _plan_changed(config, selection)
    files = [p for p in leaves.discover(config, selection.paths) if p.name == leaves.LEAF_NAME]
    if selection.paths and not files:
        shown = ", ".join(str(p) for p in selection.paths)
        raise LabtaxError(
            f"no qna.yaml under {shown}", hint="pass leaf directories or qna.yaml files"
        )
    loaded = [_load(config, path) for path in files]
    mine = [leaf for leaf in loaded if in_shard(leaf.leaf_id, selection.shard)]
    generate, fresh = _split_fresh(config, mine, selection.force)
    removals: tuple[str, ...] = ()
    if not selection.paths:
        # A full run also drops data whose leaf no longer exists (deleted, or renamed outside
        # git's view); a renamed leaf is regenerated from the cache at no cost.
        known = {leaf.leaf_id for leaf in loaded}
        removals = tuple(
            leaf_id
            for leaf_id in _stored_leaf_ids(config)
            if leaf_id not in known and in_shard(leaf_id, selection.shard)
        )
    return Plan(
        tuple(generate),
        tuple(fresh),
        removals=removals,
        other_shards=len(loaded) - len(mine),
    )


def _plan_changed(config: Config, selection: Selection) -> Plan:
    changeset = changes.changed_leaves(config, selection.base)
    candidates: list[Leaf] = []
    metadata_only: list[str] = []
    moves: list[tuple[str, str]] = []
    removals: list[str] = []
    skipped = 0
    for change in changeset.changes:
        if not in_shard(change.leaf_id, selection.shard):
            skipped += 1
            continue
        if change.status == "deleted":
            if _has_data(config, change.leaf_id):
                removals.append(change.leaf_id)
            continue
        old = change.old_leaf_id if change.status == "renamed" else None
        old_exists = old is not None and _has_data(config, old)
        if not change.needs_generation:
            metadata_only.append(change.leaf_id)
            if old is not None and old_exists:
                moves.append((old, change.leaf_id))
            continue
        if old is not None and old_exists:
            removals.append(old)
        candidates.append(_load(config, config.root / change.path))
    generate, fresh = _split_fresh(config, candidates, selection.force)
    return Plan(
        tuple(generate),
        tuple(fresh),
        tuple(metadata_only),
        tuple(moves),
        tuple(removals),
        skipped,
    )


def _load(config: Config, path: Path) -> Leaf:
    leaf_id = leaves.leaf_id_of(config, path)
    if leaf_id is None or leaf_id.split("/", 1)[0] not in BRANCHES:
        raise LabtaxError(
            "not a leaf of the taxonomy: generated data is stored by leaf path",
            hint=f"pass leaves under {config.rel(config.taxonomy)}/{{{','.join(BRANCHES)}}}/",
            location=Location(config.rel(path)),
        )
    try:
        return leaves.load_file(config, path)
    except yamldoc.LoadProblem as problem:
        raise LabtaxError(
            f"cannot generate from an invalid leaf: {problem.message}",
            hint=problem.hint or "run `labtax validate` and fix the leaf first",
            location=Location(config.rel(path), problem.line, problem.col),
        ) from problem


def _split_fresh(
    config: Config, candidates: Sequence[Leaf], force: bool
) -> tuple[list[Leaf], list[str]]:
    generate: list[Leaf] = []
    fresh: list[str] = []
    for leaf in sorted(candidates, key=lambda leaf: leaf.leaf_id):
        if not force and _is_fresh(config, leaf):
            fresh.append(leaf.leaf_id)
        else:
            generate.append(leaf)
    return generate, fresh


def _is_fresh(config: Config, leaf: Leaf) -> bool:
    return dataset.freshness(config, leaf) == "fresh"


def _has_data(config: Config, leaf_id: str) -> bool:
    return dataset.leaf_dir(config, leaf_id).exists()


def _stored_leaf_ids(config: Config) -> list[str]:
    return dataset.stored_leaf_ids(config)

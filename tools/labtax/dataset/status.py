"""Whether a leaf's stored data was generated from its current inputs, and the state of all data.

Data is `fresh` when its manifest records the leaf's current inputs hash and the digests of the
JSONL files next to it; `stale` when either differs (including a manifest that cannot be read,
and a leaf half-replaced by a killed run); `missing` when there is none. Only `fresh` data is
skipped by `labtax generate`, so every doubt reads as stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from labtax.config import Config
from labtax.dataset import store
from labtax.dataset.reader import parse_manifest
from labtax.dataset.records import MANIFEST, REJECTED, SAMPLES, Manifest
from labtax.dataset.writer import digest
from labtax.errors import LabtaxError

if TYPE_CHECKING:
    from labtax.leaves import Leaf

Freshness = Literal["fresh", "stale", "missing"]
# Besides a leaf's freshness: data whose leaf is gone, and a leaf that does not load.
DataState = Literal["fresh", "stale", "missing", "orphaned", "invalid"]


@dataclass(frozen=True)
class DataStatus:
    """One line of `labtax status`: a leaf (or orphaned data) and the state of its data."""

    leaf_id: str
    path: str
    state: DataState
    detail: str = ""


def files_match(directory: Path, manifest: Manifest) -> bool:
    """True when the JSONL files are exactly the ones the manifest was written with."""
    return digests_match(store.read_files(directory), manifest)


def digests_match(files: Mapping[str, bytes], manifest: Manifest) -> bool:
    """True when the JSONL files' bytes are exactly the ones the manifest was written with."""
    for name in (SAMPLES, REJECTED):
        data = files.get(name)
        if data is None or manifest.files.get(name) != digest(data):
            return False
    return True


def state_of(files: Mapping[str, bytes], manifest: Manifest | None, inputs_hash: str) -> Freshness:
    """The freshness of a leaf's data files (`manifest` parsed from them) against `inputs_hash`."""
    if manifest is None:
        return "stale" if files else "missing"
    if manifest.inputs_hash != inputs_hash or not digests_match(files, manifest):
        return "stale"
    return "fresh"


def freshness(config: Config, leaf: Leaf, *, inputs_hash: str | None = None) -> Freshness:
    """`fresh` when stored data was generated from the leaf's current inputs, `stale` when not,
    `missing` when there is none. A half-written leaf (files not matching the manifest) is stale."""
    where = f"{config.rel(store.leaf_dir(config, leaf.leaf_id))}/{MANIFEST}"
    try:
        files = store.leaf_files(config, leaf.leaf_id)
    except LabtaxError:
        return "stale"  # a data file exists but cannot be read
    if MANIFEST not in files:
        return state_of(files, None, "")
    try:
        manifest = parse_manifest(files[MANIFEST], where)
    except LabtaxError:
        return "stale"
    if inputs_hash is None:
        # Imported here: leaves and their YAML parser stay off the `labtax diff` path.
        from labtax.inputs import inputs_hash as current_hash

        inputs_hash = current_hash(config, leaf)
    return state_of(files, manifest, inputs_hash)


def statuses(config: Config) -> list[DataStatus]:
    """The data state of every leaf in the taxonomy, plus data left behind by deleted leaves."""
    from labtax import leaves, yamldoc  # here for the same reason as in `freshness`

    out: list[DataStatus] = []
    known: set[str] = set()
    for path in leaves.discover(config):
        if path.name != leaves.LEAF_NAME:
            continue
        leaf_id = leaves.leaf_id_of(config, path) or path.parent.as_posix()
        known.add(leaf_id)
        try:
            leaf = leaves.load_file(config, path)
        except yamldoc.LoadProblem as problem:
            out.append(DataStatus(leaf_id, config.rel(path), "invalid", problem.message))
            continue
        out.append(DataStatus(leaf_id, leaf.path, freshness(config, leaf)))
    for leaf_id in store.stored_leaf_ids(config):
        if leaf_id not in known:
            where = config.rel(store.leaf_dir(config, leaf_id))
            out.append(DataStatus(leaf_id, where, "orphaned", "no leaf has this id any more"))
    return sorted(out, key=lambda s: s.leaf_id)

"""Planning a run: which leaves to generate, which data to move and remove; no teacher call.

Leaves come from paths, `--changed` (minus metadata-only changes) or, with neither, every leaf
whose data is missing or stale; `--shard I/N` keeps the leaves whose leaf-id hash falls in shard I.
Every leaf the plan would generate is validated first, with the checks and rule levels of
`labtax validate` (errors only; warnings do not refuse): a leaf with an error is refused, with its
first diagnostic, and costs no call. Validation needs no teacher stack, so planning stays cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from labtax import changes, dataset, leaves, validation, yamldoc
from labtax.config import BRANCHES, Config
from labtax.diagnostics import Diagnostic, Level
from labtax.errors import LabtaxError, Location, UsageError
from labtax.leaves import Leaf
from labtax.util import absolute


@dataclass(frozen=True)
class Selection:
    """Which leaves the user asked for on the command line."""

    paths: tuple[Path, ...] = ()
    changed: bool = False
    base: str | None = None
    shard: tuple[int, int] | None = None  # (index, count), index 1-based
    force: bool = False


@dataclass(frozen=True)
class RefusedLeaf:
    """A leaf the plan will not generate because `labtax validate` finds an error in it."""

    leaf_id: str
    path: str  # project-relative path of the qna.yaml
    diagnostic: Diagnostic  # its first error

    @property
    def reason(self) -> str:
        """`file:line:col: [rule] message`."""
        d = self.diagnostic
        return f"{d.path}:{d.line}:{d.col}: [{d.rule}] {d.message}"


@dataclass(frozen=True)
class Plan:
    """What a run will do; computed without any teacher call."""

    generate: tuple[Leaf, ...]
    fresh: tuple[str, ...] = ()
    metadata_only: tuple[str, ...] = ()
    moves: tuple[tuple[str, str], ...] = ()  # (old leaf id, new leaf id)
    removals: tuple[str, ...] = ()
    other_shards: int = 0
    refused: tuple[RefusedLeaf, ...] = ()

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


def unmatched_paths(config: Config, paths: Sequence[Path]) -> list[Path]:
    """The paths (as given) under which there is no leaf: no `qna.yaml` in or below them, and no
    leaf beside a given `attribution.txt`."""
    missing = []
    for given in paths:
        path = absolute(given)
        if path.name == leaves.ATTRIBUTION_NAME:
            path = path.parent / leaves.LEAF_NAME
        if not any(p.name == leaves.LEAF_NAME for p in leaves.discover(config, [path])):
            missing.append(given)
    return missing


def make_plan(config: Config, selection: Selection) -> Plan:
    """Which leaves to generate, move and remove for `selection`, and which are refused."""
    if selection.changed:
        return _plan_changed(config, selection)
    given = [_leaf_file(p) for p in selection.paths]
    files = [p for p in leaves.discover(config, given) if p.name == leaves.LEAF_NAME]
    if selection.paths and not files:
        shown = ", ".join(str(p) for p in selection.paths)
        raise LabtaxError(
            f"no qna.yaml under {shown}", hint="pass leaf directories or qna.yaml files"
        )
    ids = {path: _leaf_id(config, path) for path in files}
    mine = [path for path in files if in_shard(ids[path], selection.shard)]
    loaded, broken = _load_all(config, mine)
    generate, fresh = _split_fresh(config, loaded, selection.force)
    # Paths stand for the leaves a hook or a person names: those changed against the base must
    # be current, as `labtax validate PATH...` says. A full run holds them to the whole tree's.
    changed = changes.changed_among(config, mine) if selection.paths else ()
    generate, refused = _vet(config, generate, broken, changed)
    removals: tuple[str, ...] = ()
    if not selection.paths:
        # A full run also drops data whose leaf no longer exists (deleted, or renamed outside
        # git's view); a renamed leaf is regenerated from the cache at no cost.
        known = set(ids.values())
        removals = tuple(
            leaf_id
            for leaf_id in _stored_leaf_ids(config)
            if leaf_id not in known and in_shard(leaf_id, selection.shard)
        )
    return Plan(
        tuple(generate),
        tuple(fresh),
        removals=removals,
        other_shards=len(files) - len(mine),
        refused=refused,
    )


def _plan_changed(config: Config, selection: Selection) -> Plan:
    changeset = changes.changed_leaves(config, selection.base)
    candidates: list[Path] = []
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
        candidates.append(absolute(config.root / change.path))
    loaded, broken = _load_all(config, candidates)
    generate, fresh = _split_fresh(config, loaded, selection.force)
    generate, refused = _vet(config, generate, broken, candidates)
    return Plan(
        tuple(generate),
        tuple(fresh),
        tuple(metadata_only),
        tuple(moves),
        tuple(removals),
        skipped,
        refused,
    )


def _leaf_file(path: Path) -> Path:
    """A path from the command line, an `attribution.txt` standing for the leaf beside it."""
    path = absolute(path)
    return path.parent / leaves.LEAF_NAME if path.name == leaves.ATTRIBUTION_NAME else path


def _leaf_id(config: Config, path: Path) -> str:
    leaf_id = leaves.leaf_id_of(config, path)
    if leaf_id is None or leaf_id.split("/", 1)[0] not in BRANCHES:
        raise LabtaxError(
            "not a leaf of the taxonomy: generated data is stored by leaf path",
            hint=f"pass leaves under {config.rel(config.taxonomy)}/{{{','.join(BRANCHES)}}}/",
            location=Location(config.rel(path)),
        )
    return leaf_id


Broken = tuple[Path, yamldoc.LoadProblem]


def _load_all(config: Config, files: Sequence[Path]) -> tuple[list[Leaf], list[Broken]]:
    """The leaves that load, and the files that do not with why (they are refused)."""
    loaded: list[Leaf] = []
    broken: list[Broken] = []
    for path in files:
        _leaf_id(config, path)
        try:
            loaded.append(leaves.load_file(config, path))
        except yamldoc.LoadProblem as problem:
            broken.append((path, problem))
    return loaded, broken


def _vet(
    config: Config, candidates: Sequence[Leaf], broken: Sequence[Broken], changed: Collection[Path]
) -> tuple[list[Leaf], tuple[RefusedLeaf, ...]]:
    """The candidates `labtax validate` finds no error in, and the refused leaves."""
    fresh_changed = {absolute(p) for p in changed}
    refused: list[RefusedLeaf] = []
    kept: list[Leaf] = []
    for leaf in candidates:
        error = _first_error(config, config.root / leaf.path, fresh_changed, leaf)
        if error is None:
            kept.append(leaf)
        else:
            refused.append(RefusedLeaf(leaf.leaf_id, leaf.path, error))
    for path, problem in broken:
        where = config.rel(path)
        # A leaf that does not load cannot be generated, even with its rule turned off.
        error = _first_error(config, path, fresh_changed) or Diagnostic.from_problem(where, problem)
        refused.append(RefusedLeaf(_leaf_id(config, path), where, error))
    return kept, tuple(sorted(refused, key=lambda r: r.leaf_id))


def _first_error(
    config: Config, path: Path, changed: Collection[Path], loaded: Leaf | None = None
) -> Diagnostic | None:
    file = absolute(path)
    found = validation.check_file(config, file, changed=file in changed, loaded=loaded)
    errors = sorted(d for d in found if d.level is Level.ERROR)
    return errors[0] if errors else None


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

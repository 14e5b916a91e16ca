"""The generated dataset: `generated/<leaf_id>/{samples,rejected}.jsonl` and `manifest.json`.

Everything written here is deterministic (records sorted by id, keys sorted, no timestamps) so two
runs over the same inputs give byte-identical files and review is a plain diff. A leaf is written
as a unit: all three files go to temporary files first and are then renamed into place, manifest
last. The manifest records the sha256 of the two JSONL files it belongs with, so the (tiny) window
between renames can never pass for fresh data: a leaf whose files do not match its manifest is
stale and is regenerated, from the response cache, by the next run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

from labtax import inputs, yamldoc
from labtax import leaves as leaves_mod
from labtax.config import Config
from labtax.dataset.records import Rejection, Sample, rejection_from_json, sample_from_json
from labtax.errors import LabtaxError, Location
from labtax.leaves import Leaf

SAMPLES = "samples.jsonl"
REJECTED = "rejected.jsonl"
MANIFEST = "manifest.json"
FILES = (SAMPLES, REJECTED, MANIFEST)

T = TypeVar("T")
Freshness = Literal["fresh", "stale", "missing"]


@dataclass(frozen=True)
class TeacherParams:
    model: str
    temperature: float
    max_tokens: int
    seed: int
    samples_per_leaf: int


@dataclass(frozen=True)
class Counts:
    candidates: int
    kept: int
    rejected: int
    rejected_by_reason: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class UsageRecord:
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None


@dataclass(frozen=True)
class Manifest:
    """What produced a leaf's data and what it cost; `files` pins the JSONL files' digests."""

    leaf: str
    kind: str
    inputs_hash: str
    labtax_version: str
    teacher: TeacherParams
    templates: Mapping[str, str]
    counts: Counts
    usage: UsageRecord
    files: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": {
                "candidates": self.counts.candidates,
                "kept": self.counts.kept,
                "rejected": self.counts.rejected,
                "rejected_by_reason": dict(sorted(self.counts.rejected_by_reason.items())),
            },
            "files": dict(sorted(self.files.items())),
            "inputs_hash": self.inputs_hash,
            "kind": self.kind,
            "labtax_version": self.labtax_version,
            "leaf": self.leaf,
            "teacher": {
                "max_tokens": self.teacher.max_tokens,
                "model": self.teacher.model,
                "samples_per_leaf": self.teacher.samples_per_leaf,
                "seed": self.teacher.seed,
                "temperature": self.teacher.temperature,
            },
            "templates": dict(sorted(self.templates.items())),
            "usage": {
                "calls": self.usage.calls,
                "completion_tokens": self.usage.completion_tokens,
                "cost_usd": self.usage.cost_usd,
                "prompt_tokens": self.usage.prompt_tokens,
            },
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Manifest:
        """Parse a manifest; raises KeyError, TypeError or ValueError when it is not one."""
        teacher, counts, usage = data["teacher"], data["counts"], data["usage"]
        cost = usage.get("cost_usd")
        return Manifest(
            leaf=str(data["leaf"]),
            kind=str(data["kind"]),
            inputs_hash=str(data["inputs_hash"]),
            labtax_version=str(data["labtax_version"]),
            teacher=TeacherParams(
                str(teacher["model"]),
                float(teacher["temperature"]),
                int(teacher["max_tokens"]),
                int(teacher["seed"]),
                int(teacher["samples_per_leaf"]),
            ),
            templates={str(k): str(v) for k, v in dict(data["templates"]).items()},
            counts=Counts(
                int(counts["candidates"]),
                int(counts["kept"]),
                int(counts["rejected"]),
                {str(k): int(v) for k, v in dict(counts.get("rejected_by_reason", {})).items()},
            ),
            usage=UsageRecord(
                int(usage["calls"]),
                int(usage["prompt_tokens"]),
                int(usage["completion_tokens"]),
                None if cost is None else float(cost),
            ),
            files={str(k): str(v) for k, v in dict(data.get("files", {})).items()},
        )


@dataclass(frozen=True)
class LeafDataset:
    manifest: Manifest | None
    samples: tuple[Sample, ...]
    rejected: tuple[Rejection, ...]


# ---------------------------------------------------------------------------------------------
# Serialisation


def _line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"


def samples_bytes(samples: Iterable[Sample]) -> bytes:
    ordered = sorted(samples, key=lambda s: (s.id, s.score or 0))
    return "".join(_line(s.to_json()) for s in ordered).encode("utf-8")


def rejected_bytes(rejected: Iterable[Rejection]) -> bytes:
    ordered = sorted(rejected, key=lambda r: r.sort_key())
    return "".join(_line(r.to_json()) for r in ordered).encode("utf-8")


def manifest_bytes(manifest: Manifest) -> bytes:
    return (
        json.dumps(manifest.to_json(), sort_keys=True, ensure_ascii=False, indent=2) + "\n"
    ).encode("utf-8")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leaf_dir(config: Config, leaf_id: str) -> Path:
    """`generated/<leaf_id>`; an id that would lead outside `generated/` is refused."""
    parts = leaf_id.split("/")
    if not leaf_id or leaf_id.startswith("/") or any(p in {"", ".", ".."} for p in parts):
        raise LabtaxError(
            f"refusing to store generated data for leaf id {leaf_id!r}",
            hint="a leaf id is a relative path inside the taxonomy, like knowledge/a/b",
        )
    return config.generated.joinpath(*parts)


# ---------------------------------------------------------------------------------------------
# Writing


def write_leaf(
    directory: Path,
    samples: Sequence[Sample],
    rejected: Sequence[Rejection],
    manifest: Manifest,
) -> Manifest:
    """Write one leaf's three files atomically (temp files, then renames, manifest last).

    Returns the manifest as written, with the digests of the two JSONL files filled in.
    """
    sample_data = samples_bytes(samples)
    rejected_data = rejected_bytes(rejected)
    final = replace(manifest, files={SAMPLES: digest(sample_data), REJECTED: digest(rejected_data)})
    payloads = {SAMPLES: sample_data, REJECTED: rejected_data, MANIFEST: manifest_bytes(final)}
    directory.mkdir(parents=True, exist_ok=True)
    _remove_temps(directory)  # left by a run killed while writing this leaf
    temps: dict[str, Path] = {}
    try:
        for name in FILES:
            temps[name] = _write_temp(directory, name, payloads[name])
        for name in FILES:
            temps[name].replace(directory / name)
            del temps[name]
    finally:
        for leftover in temps.values():
            with contextlib.suppress(OSError):
                leftover.unlink()
    return final


def _remove_temps(directory: Path) -> None:
    for name in FILES:
        for stray in directory.glob(f".{name}.*.tmp"):
            with contextlib.suppress(OSError):
                stray.unlink()


def _write_temp(directory: Path, name: str, data: bytes) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return Path(tmp)


def remove_leaf(config: Config, leaf_id: str) -> bool:
    """Delete a leaf's generated data (and parent directories left empty); True when it existed."""
    directory = leaf_dir(config, leaf_id)
    if not directory.exists():
        return False
    # The manifest goes first: an interrupted removal reads as "missing", never as fresh.
    for name in (MANIFEST, SAMPLES, REJECTED):
        with contextlib.suppress(FileNotFoundError):
            (directory / name).unlink()
    _remove_temps(directory)
    with contextlib.suppress(OSError):
        directory.rmdir()  # kept when something else (a nested leaf) lives below it
    _prune_empty_parents(config, directory.parent)
    return True


def move_leaf(config: Config, old_id: str, new_id: str, kind: str) -> bool:
    """Carry a renamed leaf's data to its new id: records are rewritten (the leaf id is part of
    every sample id) and the old directory removed. False when there was nothing to move."""
    old = read_leaf_dataset(leaf_dir(config, old_id))
    if old.manifest is None:
        return False
    samples = [_relabel_sample(s, new_id, kind) for s in old.samples]
    rejected = [_relabel_rejection(r, new_id, kind) for r in old.rejected]
    manifest = replace(old.manifest, leaf=new_id, kind=kind)
    write_leaf(leaf_dir(config, new_id), samples, rejected, manifest)
    remove_leaf(config, old_id)
    return True


def _relabel_sample(sample: Sample, leaf: str, kind: str) -> Sample:
    return Sample(leaf, kind, sample.context, sample.question, sample.answer, sample.score)


def _relabel_rejection(rejection: Rejection, leaf: str, kind: str) -> Rejection:
    return _relabel_sample(
        Sample("", "", rejection.context, rejection.question, rejection.answer, rejection.score),
        leaf,
        kind,
    ).reject(rejection.stage, rejection.reason, rejection.detail)


def _prune_empty_parents(config: Config, directory: Path) -> None:
    root = config.generated.resolve()
    current = directory
    while current.resolve() != root and current.resolve().is_relative_to(root):
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent


# ---------------------------------------------------------------------------------------------
# Reading


def read_manifest(directory: Path) -> Manifest | None:
    """The leaf's manifest, or None when absent or unreadable (either way: not fresh)."""
    try:
        return Manifest.from_json(json.loads((directory / MANIFEST).read_bytes().decode("utf-8")))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        return None


def read_leaf_dataset(directory: Path) -> LeafDataset:
    """A leaf's stored data; a missing directory gives an empty dataset with no manifest."""
    manifest = read_manifest(directory)
    samples = tuple(_records(directory / SAMPLES, sample_from_json))
    rejected = tuple(_records(directory / REJECTED, rejection_from_json))
    return LeafDataset(manifest, samples, rejected)


def _records(path: Path, convert: Callable[[dict[str, Any]], T]) -> Iterator[T]:
    for number, record in _jsonl(path):
        try:
            yield convert(record)
        except (KeyError, TypeError, ValueError) as exc:
            raise _bad_line(path, number, f"not a sample record ({exc})") from exc


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise LabtaxError(
            f"cannot read {path}: {exc.strerror}", location=Location(str(path))
        ) from exc
    for number, line in enumerate(raw.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise _bad_line(path, number, str(exc)) from exc
        if not isinstance(record, dict):
            raise _bad_line(path, number, "not an object")
        yield number, record


def _bad_line(path: Path, number: int, why: str) -> LabtaxError:
    return LabtaxError(
        f"invalid line: {why}",
        hint="regenerate the leaf: labtax generate --force <leaf path>",
        location=Location(str(path), number, 1),
    )


def files_match(directory: Path, manifest: Manifest) -> bool:
    """True when the JSONL files are exactly the ones the manifest was written with."""
    for name in (SAMPLES, REJECTED):
        expected = manifest.files.get(name)
        try:
            actual = digest((directory / name).read_bytes())
        except OSError:
            return False
        if expected is None or expected != actual:
            return False
    return True


def freshness(config: Config, leaf: Leaf, *, inputs_hash: str | None = None) -> Freshness:
    """`fresh` when stored data was generated from the leaf's current inputs, `stale` when not,
    `missing` when there is none. A half-written leaf (files not matching the manifest) is stale."""
    directory = leaf_dir(config, leaf.leaf_id)
    manifest = read_manifest(directory)
    if manifest is None:
        return "stale" if any((directory / n).exists() for n in FILES) else "missing"
    expected = inputs_hash if inputs_hash is not None else inputs.inputs_hash(config, leaf)
    if manifest.inputs_hash != expected or not files_match(directory, manifest):
        return "stale"
    return "fresh"


def stored_leaf_ids(config: Config) -> list[str]:
    """Every leaf id that has generated data (a directory holding any of the three files)."""
    root = config.generated
    if not root.is_dir():
        return []
    found = set()
    for name in FILES:
        for path in root.rglob(name):
            if path.is_file() and not path.is_symlink():
                found.add(path.parent.relative_to(root).as_posix())
    return sorted(found)


@dataclass(frozen=True)
class LeafStatus:
    """One line of `labtax status`: a leaf (or orphaned data) and the state of its data."""

    leaf_id: str
    path: str
    state: Literal["fresh", "stale", "missing", "orphaned", "invalid"]
    detail: str = ""


def statuses(config: Config) -> list[LeafStatus]:
    """The data state of every leaf in the taxonomy, plus data left behind by deleted leaves."""
    out: list[LeafStatus] = []
    known: set[str] = set()
    for path in leaves_discover(config):
        leaf_id = leaves_mod.leaf_id_of(config, path) or path.parent.as_posix()
        known.add(leaf_id)
        try:
            leaf = leaves_mod.load_file(config, path)
        except yamldoc.LoadProblem as problem:
            out.append(LeafStatus(leaf_id, config.rel(path), "invalid", problem.message))
            continue
        out.append(LeafStatus(leaf_id, leaf.path, freshness(config, leaf)))
    for leaf_id in stored_leaf_ids(config):
        if leaf_id not in known:
            where = config.rel(leaf_dir(config, leaf_id))
            out.append(LeafStatus(leaf_id, where, "orphaned", "no leaf has this id any more"))
    return sorted(out, key=lambda s: s.leaf_id)


def leaves_discover(config: Config) -> list[Path]:
    return [p for p in leaves_mod.discover(config) if p.name == leaves_mod.LEAF_NAME]

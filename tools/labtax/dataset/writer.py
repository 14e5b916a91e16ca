"""Writing `generated/<leaf_id>/`: one leaf at a time, atomically, in the documented format.

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from labtax.config import Config
from labtax.dataset import store
from labtax.dataset.records import (
    FILES,
    MANIFEST,
    REJECTED,
    SAMPLES,
    Manifest,
    Rejection,
    Sample,
)
from labtax.util import write_temp


def digest(data: bytes) -> str:
    """The sha256 a manifest records for one of its leaf's files."""
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# The records as JSON


def sample_record(sample: Sample) -> dict[str, Any]:
    return {
        "context": sample.context,
        "id": sample.id,
        "kind": sample.kind,
        "leaf": sample.leaf,
        "messages": [
            {"role": "user", "content": sample.question},
            {"role": "assistant", "content": sample.answer},
        ],
        "score": sample.score,
    }


def rejection_record(rejection: Rejection) -> dict[str, Any]:
    return {
        "context": rejection.context,
        "detail": rejection.detail,
        "id": rejection.id,
        "kind": rejection.kind,
        "leaf": rejection.leaf,
        "messages": [
            {"role": "user", "content": rejection.question},
            {"role": "assistant", "content": rejection.answer},
        ],
        "reason": rejection.reason,
        "score": rejection.score,
        "stage": rejection.stage,
    }


def manifest_record(manifest: Manifest) -> dict[str, Any]:
    counts, teacher, usage = manifest.counts, manifest.teacher, manifest.usage
    return {
        "counts": {
            "candidates": counts.candidates,
            "kept": counts.kept,
            "rejected": counts.rejected,
            "rejected_by_reason": dict(sorted(counts.rejected_by_reason.items())),
        },
        "files": dict(sorted(manifest.files.items())),
        "inputs_hash": manifest.inputs_hash,
        "kind": manifest.kind,
        "labtax_version": manifest.labtax_version,
        "leaf": manifest.leaf,
        "teacher": {
            "max_tokens": teacher.max_tokens,
            "model": teacher.model,
            "samples_per_leaf": teacher.samples_per_leaf,
            "seed": teacher.seed,
            "temperature": teacher.temperature,
        },
        "templates": dict(sorted(manifest.templates.items())),
        # Cached calls cost nothing and are not part of what the data cost.
        "usage": {
            "calls": usage.calls,
            "completion_tokens": usage.completion_tokens,
            "cost_usd": usage.cost_usd,
            "prompt_tokens": usage.prompt_tokens,
        },
    }


def _line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"


def samples_bytes(samples: Iterable[Sample]) -> bytes:
    ordered = sorted(samples, key=lambda s: (s.id, s.score or 0))
    return "".join(_line(sample_record(s)) for s in ordered).encode("utf-8")


def rejected_bytes(rejected: Iterable[Rejection]) -> bytes:
    ordered = sorted(rejected, key=Rejection.sort_key)
    return "".join(_line(rejection_record(r)) for r in ordered).encode("utf-8")


def manifest_bytes(manifest: Manifest) -> bytes:
    text = json.dumps(manifest_record(manifest), sort_keys=True, ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Writing, moving and removing a leaf


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
            temps[name] = write_temp(directory, name, payloads[name])
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


def remove_leaf(config: Config, leaf_id: str) -> bool:
    """Delete a leaf's generated data (and parent directories left empty); True when it existed."""
    directory = store.leaf_dir(config, leaf_id)
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
    old = store.read_leaf(config, old_id)
    if old.manifest is None:
        return False
    samples = [Sample(new_id, kind, s.context, s.question, s.answer, s.score) for s in old.samples]
    rejected = [
        Sample(new_id, kind, r.context, r.question, r.answer, r.score).reject(
            r.stage, r.reason, r.detail
        )
        for r in old.rejected
    ]
    manifest = replace(old.manifest, leaf=new_id, kind=kind)
    write_leaf(store.leaf_dir(config, new_id), samples, rejected, manifest)
    remove_leaf(config, old_id)
    return True


def _prune_empty_parents(config: Config, directory: Path) -> None:
    root = config.generated.resolve()
    current = directory
    while current.resolve() != root and current.resolve().is_relative_to(root):
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent

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
    FORMAT,
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


def sample_record(sample: Sample | Rejection) -> dict[str, Any]:
    """A kept sample's line; a rejection's line is this plus its stage, reason and detail."""
    made = sample.provenance
    return {
        "answer": sample.answer,
        "context": sample.context,
        "form": sample.form,
        "id": sample.id,
        "kind": sample.kind,
        "leaf": sample.leaf,
        "messages": [
            {"role": "user", "content": sample.user_turn},
            {"role": "assistant", "content": sample.answer},
        ],
        "provenance": {
            "calls": [{"request": c.request, "stage": c.stage} for c in made.calls],
            "chunk": made.chunk,
            "document": made.document,
            "round": made.round,
        },
        "question": sample.question,
        "score": sample.score,
    }


def rejection_record(rejection: Rejection) -> dict[str, Any]:
    return {
        **sample_record(rejection),
        "detail": rejection.detail,
        "reason": rejection.reason,
        "stage": rejection.stage,
    }


def manifest_record(manifest: Manifest) -> dict[str, Any]:
    counts, teacher, usage, volume = (
        manifest.counts,
        manifest.teacher,
        manifest.usage,
        manifest.volume,
    )
    return {
        "counts": {
            "candidates": counts.candidates,
            "kept": counts.kept,
            "rejected": counts.rejected,
            "rejected_by_reason": dict(sorted(counts.rejected_by_reason.items())),
        },
        "documents": [
            {"chunks": d.chunks, "kept": d.kept, "path": d.path}
            for d in sorted(manifest.documents, key=lambda d: d.path)
        ],
        "files": dict(sorted(manifest.files.items())),
        "format": FORMAT,
        "inputs_hash": manifest.inputs_hash,
        "kind": manifest.kind,
        "labtax_version": manifest.labtax_version,
        "leaf": manifest.leaf,
        "stages": {
            name: {"max_tokens": stage.max_tokens, "temperature": stage.temperature}
            for name, stage in sorted(manifest.stages.items())
        },
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
            "cached_prompt_tokens": usage.cached_prompt_tokens,
            "calls": usage.calls,
            "completion_tokens": usage.completion_tokens,
            "cost_usd": usage.cost_usd,
            "prompt_tokens": usage.prompt_tokens,
        },
        "volume": {
            "kept": volume.kept,
            "rounds": volume.rounds,
            "shortfall": volume.shortfall,
            "target": volume.target,
        },
    }


def _line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"


def samples_bytes(samples: Iterable[Sample]) -> bytes:
    ordered = sorted(samples, key=lambda s: (s.id, s.score))
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
    _write_files(
        directory, {SAMPLES: sample_data, REJECTED: rejected_data, MANIFEST: manifest_bytes(final)}
    )
    return final


def copy_leaf(source: Path, target: Path) -> None:
    """Copy a leaf's three files as they are (a checked shard's data into the project), as
    atomically as `write_leaf` writes them; nothing else below `source` (a nested leaf is a leaf
    of its own)."""
    _write_files(target, {name: (source / name).read_bytes() for name in FILES})


def _write_files(directory: Path, payloads: Mapping[str, bytes]) -> None:
    """The leaf's files through temp files and renames, in `FILES` order (manifest last)."""
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
    every sample id) and the old directory removed. False when there was nothing to move.

    Data of another kind than `kind` is not carried: its samples have the forms of their own kind
    (a move that changes the kind is a change of inputs, and the leaf is generated anew).
    """
    old = store.read_leaf(config, old_id)
    if old.manifest is None or old.manifest.kind != kind:
        return False
    samples = [replace(s, leaf=new_id, kind=kind) for s in old.samples]
    rejected = [replace(r, leaf=new_id, kind=kind) for r in old.rejected]
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

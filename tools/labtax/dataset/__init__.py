"""The generated dataset: `generated/<leaf_id>/{samples.jsonl, rejected.jsonl, manifest.json}`.

This package is the only code that knows that on-disk format:
- `records`: what a leaf's stored data is (`Sample`, `Rejection`, `Manifest`, `LeafData`), the
  forms of samples and how each builds its user turn, and where a sample came from (`Provenance`);
- `reader`: the one strict reader, from bytes, raising `DamagedData` located `file:line:col`;
- `writer`: the one atomic writer (`write_leaf`, `copy_leaf`, `move_leaf`, `remove_leaf`);
- `store`: which files are leaf data in a directory tree or a commit, and loading whole states;
- `status`: whether stored data matches its leaf's current inputs (`labtax status`).

The names most callers need are importable from here.
"""

from __future__ import annotations

from labtax.dataset.reader import DamagedData
from labtax.dataset.records import (
    FILES,
    FORMAT,
    FORMS,
    Call,
    DocumentUse,
    Form,
    LeafData,
    Manifest,
    Provenance,
    Rejection,
    Sample,
    SampleCounts,
    StageSettings,
    TeacherParams,
    Volume,
)
from labtax.dataset.status import DataStatus, Freshness, files_match, freshness, statuses
from labtax.dataset.store import (
    iter_leaves,
    leaf_dir,
    read_leaf,
    read_leaf_dataset,
    stored_leaf_ids,
)
from labtax.dataset.writer import copy_leaf, move_leaf, remove_leaf, samples_bytes, write_leaf

__all__ = [
    "FILES",
    "FORMAT",
    "FORMS",
    "Call",
    "DamagedData",
    "DataStatus",
    "DocumentUse",
    "Form",
    "Freshness",
    "LeafData",
    "Manifest",
    "Provenance",
    "Rejection",
    "Sample",
    "SampleCounts",
    "StageSettings",
    "TeacherParams",
    "Volume",
    "copy_leaf",
    "files_match",
    "freshness",
    "iter_leaves",
    "leaf_dir",
    "move_leaf",
    "read_leaf",
    "read_leaf_dataset",
    "remove_leaf",
    "samples_bytes",
    "statuses",
    "stored_leaf_ids",
    "write_leaf",
]

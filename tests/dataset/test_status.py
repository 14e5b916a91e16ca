"""Freshness: stored data against its leaf's current inputs; the state of every leaf's data."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from labtax import inputs, leaves
from labtax.config import Config, load_config
from labtax.dataset import status, store, writer
from labtax.dataset.records import (
    Call,
    Manifest,
    Provenance,
    Sample,
    SampleCounts,
    TeacherParams,
    Volume,
)
from labtax.leaves import Leaf
from labtax.usage import Usage

QNA = """\
version: 2
created_by: curator
task_description: {task}
seed_examples:
  - question: What is one?
    answer: One.
  - question: What is two?
    answer: Two.
"""


def write_qna(root: Path, leaf_id: str, task: str = "Count things.") -> Path:
    path = root / "taxonomy" / leaf_id / "qna.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(QNA.format(task=task), encoding="utf-8")
    return path


def generate(config: Config, leaf: Leaf, inputs_hash: str | None = None) -> Path:
    """Store data for `leaf` as a run from its current inputs (or from `inputs_hash`) would."""
    made = Provenance((Call("skill_answer", "a" * 64),))
    kept = [Sample(leaf.leaf_id, leaf.kind.value, "instruction", "", "Q?", "A.", 3, made)]
    rejected = [kept[0].reject("pair_rating", "low_score")]
    manifest = Manifest(
        leaf=leaf.leaf_id,
        kind=leaf.kind.value,
        inputs_hash=inputs_hash or inputs.inputs_hash(config, leaf),
        labtax_version="0.1.0",
        teacher=TeacherParams("m", 0.7, 1024, 42, 10),
        templates={},
        counts=SampleCounts(2, 1, 1, {"low_score": 1}),
        usage=Usage(calls=2, prompt_tokens=10, completion_tokens=5, cost_usd=None),
        volume=Volume(10, 1, 1, "kept 1 of 10 samples after 1 round"),
        stages={},
    )
    directory = store.leaf_dir(config, leaf.leaf_id)
    writer.write_leaf(directory, kept, rejected, manifest)
    return directory


def load(config: Config, path: Path) -> Leaf:
    return leaves.load_file(config, path)


def test_missing_fresh_and_stale(repo: Path) -> None:
    config = load_config(repo)
    leaf = load(config, write_qna(repo, "compositional_skills/count"))
    assert status.freshness(config, leaf) == "missing"
    directory = generate(config, leaf)
    assert status.freshness(config, leaf) == "fresh"
    stored = store.read_leaf(config, leaf.leaf_id).manifest
    assert stored is not None
    assert status.files_match(directory, stored)
    assert status.freshness(config, leaf, inputs_hash="other") == "stale"
    edited = load(config, write_qna(repo, "compositional_skills/count", task="Count more."))
    assert status.freshness(config, edited) == "stale"


def test_every_doubt_reads_as_stale(repo: Path) -> None:
    config = load_config(repo)
    leaf = load(config, write_qna(repo, "compositional_skills/count"))
    directory = generate(config, leaf)
    samples = (directory / "samples.jsonl").read_bytes()
    # A kill between renames: other samples next to the old manifest.
    (directory / "samples.jsonl").write_bytes(samples.replace(b'"score": 3', b'"score": 2'))
    assert status.freshness(config, leaf) == "stale"
    (directory / "samples.jsonl").write_bytes(samples)
    assert status.freshness(config, leaf) == "fresh"
    (directory / "rejected.jsonl").unlink()
    assert status.freshness(config, leaf) == "stale"
    generate(config, leaf)
    manifest = (directory / "manifest.json").read_text(encoding="utf-8")
    (directory / "manifest.json").write_text(manifest.replace('"seed"', '"sead"'), "utf-8")
    assert status.freshness(config, leaf) == "stale"  # not a manifest the reader accepts
    (directory / "manifest.json").write_text("{not json", encoding="utf-8")
    assert status.freshness(config, leaf) == "stale"
    (directory / "manifest.json").unlink()
    assert status.freshness(config, leaf) == "stale"  # data without a manifest


def test_symlinked_data_is_not_data(repo: Path, tmp_path: Path) -> None:
    config = load_config(repo)
    leaf = load(config, write_qna(repo, "compositional_skills/count"))
    directory = generate(config, leaf)
    elsewhere = tmp_path / "elsewhere"
    directory.rename(elsewhere)
    directory.symlink_to(elsewhere, target_is_directory=True)
    assert status.freshness(config, leaf) == "missing"
    assert store.stored_leaf_ids(config) == []


def test_statuses_list_invalid_leaves_and_orphaned_data(repo: Path) -> None:
    config = load_config(repo)
    fresh = load(config, write_qna(repo, "compositional_skills/fresh"))
    generate(config, fresh)
    write_qna(repo, "compositional_skills/missing")
    broken = repo / "taxonomy/compositional_skills/broken/qna.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("version: [\n", encoding="utf-8")
    gone = load(config, write_qna(repo, "compositional_skills/gone"))
    generate(config, gone)
    (repo / "taxonomy/compositional_skills/gone/qna.yaml").unlink()
    found = {s.leaf_id: s for s in status.statuses(config)}
    assert {k: s.state for k, s in found.items()} == {
        "compositional_skills/broken": "invalid",
        "compositional_skills/fresh": "fresh",
        "compositional_skills/gone": "orphaned",
        "compositional_skills/missing": "missing",
    }
    assert found["compositional_skills/gone"].path == "generated/compositional_skills/gone"
    assert found["compositional_skills/fresh"].path.endswith("skills/fresh/qna.yaml")
    assert found["compositional_skills/broken"].detail


def test_reading_and_comparing_data_does_not_load_leaves() -> None:
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "import labtax.commands.diff, labtax.dataset\n"
        "print(sorted(m for m in ('yaml', 'labtax.leaves', 'labtax.inputs') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_data_of_format_1_is_stale(repo: Path) -> None:
    config = load_config(repo)
    leaf = load(config, write_qna(repo, "compositional_skills/count"))
    directory = store.leaf_dir(config, leaf.leaf_id)
    directory.mkdir(parents=True)
    # What labtax wrote before format 2, from the leaf's current inputs: still stale.
    sample = {
        "context": None,
        "id": "0123456789abcdef",
        "kind": "freeform_skill",
        "leaf": leaf.leaf_id,
        "messages": [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}],
        "score": 3,
    }
    samples = (json.dumps(sample, sort_keys=True) + "\n").encode()
    (directory / "samples.jsonl").write_bytes(samples)
    (directory / "rejected.jsonl").write_bytes(b"")
    manifest = {
        "counts": {"candidates": 1, "kept": 1, "rejected": 0, "rejected_by_reason": {}},
        "files": {
            "rejected.jsonl": hashlib.sha256(b"").hexdigest(),
            "samples.jsonl": hashlib.sha256(samples).hexdigest(),
        },
        "inputs_hash": inputs.inputs_hash(config, leaf),
        "kind": "freeform_skill",
        "labtax_version": "0.1.0",
        "leaf": leaf.leaf_id,
        "teacher": {
            "max_tokens": 1024,
            "model": "m",
            "samples_per_leaf": 10,
            "seed": 42,
            "temperature": 0.7,
        },
        "templates": {},
        "usage": {"calls": 1, "completion_tokens": 1, "cost_usd": None, "prompt_tokens": 1},
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    assert status.freshness(config, leaf) == "stale"
    assert [s.state for s in status.statuses(config)] == ["stale"]
    generate(config, leaf)
    assert status.freshness(config, leaf) == "fresh"

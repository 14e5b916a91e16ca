"""The data diff reads what `labtax.dataset` writes (the generator's own writer, no teacher)."""

from __future__ import annotations

import shutil
from pathlib import Path

from labtax import datadiff, dataset
from labtax.config import load_config
from labtax.dataset.records import Sample


def manifest(leaf: str, model: str) -> dataset.Manifest:
    return dataset.Manifest(
        leaf=leaf,
        kind="freeform_skill",
        inputs_hash="0" * 64,
        labtax_version="0.1.0",
        teacher=dataset.TeacherParams(model, 0.7, 1024, 42, 10),
        templates={"skill_answer": "a" * 64},
        counts=dataset.Counts(3, 2, 1, {"low_score": 1}),
        usage=dataset.UsageRecord(6, 600, 200, None),
    )


def test_writer_output_round_trips_through_the_diff(project: Path) -> None:
    config = load_config(project)
    leaf = "compositional_skills/writing/poems"
    kept = [
        Sample(leaf, "freeform_skill", None, "Write a haiku", "Rain\non the roof", 3),
        Sample(leaf, "freeform_skill", "a context", "Summarise", "Short", 2),
    ]
    rejected = [kept[0].reject("pair_rating", "low_score", "rated 1")]
    dataset.write_leaf(dataset.leaf_dir(config, leaf), kept, rejected, manifest(leaf, "m1"))
    shutil.copytree(config.generated, project / "before")
    assert dataset.move_leaf(config, leaf, "compositional_skills/poetry", "freeform_skill")

    before = datadiff.load_directory(project / "before")
    after = datadiff.load_worktree(config)
    stored = before[leaf]
    assert [s.id for s in stored.samples] == sorted(s.id for s in kept)
    assert {s.question for s in stored.samples} == {"Write a haiku", "Summarise"}
    assert stored.rejected_by_reason() == {"low_score": 1}
    assert stored.manifest is not None
    assert stored.manifest.model == "m1"
    assert stored.manifest.usage.cost_usd is None

    diff = datadiff.diff_datasets(before, after)
    assert [(d.leaf_id, d.status, d.old_leaf_id) for d in diff.leaves] == [
        ("compositional_skills/poetry", "renamed", leaf)
    ]
    assert diff.leaves[0].unchanged_samples == 2
    assert not diff.summary.cost_known

"""Comparing two dataset states: leaf statuses, sample changes, rejections, counts and usage."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

import datafiles
from candidates import candidate
from labtax import datadiff
from labtax.config import load_config
from labtax.dataset import records, store, writer
from labtax.dataset.records import LeafData, Manifest, SampleCounts, TeacherParams, Volume
from labtax.render import datadiff_json
from labtax.usage import Usage

PAIRS = [("What is 2+2?", "4"), ("Capital of France?", "Paris"), ("Largest planet?", "Jupiter")]


def compare(tmp_path: Path) -> datadiff.DataDiff:
    return datadiff.diff_datasets(
        store.load_directory(tmp_path / "old"), store.load_directory(tmp_path / "new")
    )


def by_id(diff: datadiff.DataDiff) -> dict[str, datadiff.LeafDiff]:
    return {leaf.leaf_id: leaf for leaf in diff.leaves}


def test_identical_states_are_unchanged(tmp_path: Path) -> None:
    for side in ("old", "new"):
        datafiles.write_leaf(tmp_path / side, "knowledge/a", PAIRS)
    diff = compare(tmp_path)
    assert [leaf.status for leaf in diff.leaves] == ["unchanged"]
    assert diff.touched == ()
    assert diff.summary.touched == 0
    assert diff.leaves[0].unchanged_samples == 3


def test_changed_answer_is_paired_by_question(tmp_path: Path) -> None:
    datafiles.write_leaf(tmp_path / "old", "knowledge/a", PAIRS)
    new_pairs = [
        PAIRS[0],
        ("Capital of France?", "Paris, on the Seine"),
        ("Smallest planet?", "Mercury"),
    ]
    datafiles.write_leaf(tmp_path / "new", "knowledge/a", new_pairs)
    leaf = by_id(compare(tmp_path))["knowledge/a"]
    assert leaf.status == "changed"
    assert (leaf.count("added"), leaf.count("removed"), leaf.count("changed")) == (1, 1, 1)
    changed = next(c for c in leaf.samples if c.status == "changed")
    assert changed.before is not None
    assert changed.after is not None
    assert (changed.before.answer, changed.after.answer) == ("Paris", "Paris, on the Seine")
    added = next(c for c in leaf.samples if c.status == "added")
    removed = next(c for c in leaf.samples if c.status == "removed")
    assert added.after is not None
    assert added.after.question == "Smallest planet?"
    assert removed.before is not None
    assert removed.before.question == "Largest planet?"
    assert leaf.unchanged_samples == 1


def test_new_removed_and_renamed_leaves(tmp_path: Path) -> None:
    datafiles.write_leaf(tmp_path / "old", "compositional_skills/old_name", PAIRS)
    datafiles.write_leaf(tmp_path / "old", "knowledge/gone", [("q", "a")])
    datafiles.write_leaf(tmp_path / "new", "compositional_skills/new_name", PAIRS)
    datafiles.write_leaf(tmp_path / "new", "knowledge/fresh", [("q2", "a2")])
    leaves = by_id(compare(tmp_path))
    assert {k: v.status for k, v in leaves.items()} == {
        "compositional_skills/new_name": "renamed",
        "knowledge/fresh": "new",
        "knowledge/gone": "removed",
    }
    renamed = leaves["compositional_skills/new_name"]
    assert renamed.old_leaf_id == "compositional_skills/old_name"
    assert renamed.samples == ()  # the ids differ (they hash the leaf) but the content did not
    assert renamed.unchanged_samples == 3
    assert leaves["knowledge/fresh"].count("added") == 1
    assert leaves["knowledge/gone"].count("removed") == 1


def test_rename_needs_mostly_the_same_samples(tmp_path: Path) -> None:
    datafiles.write_leaf(tmp_path / "old", "compositional_skills/x", PAIRS)
    datafiles.write_leaf(
        tmp_path / "new", "compositional_skills/y", [PAIRS[0], ("n1", "a"), ("n2", "b")]
    )
    statuses = {leaf.leaf_id: leaf.status for leaf in compare(tmp_path).leaves}
    assert statuses == {"compositional_skills/x": "removed", "compositional_skills/y": "new"}


def test_teacher_model_and_template_changes_mark_the_leaf_changed(tmp_path: Path) -> None:
    datafiles.write_leaf(tmp_path / "old", "knowledge/a", PAIRS, model="openai/old-teacher")
    datafiles.write_leaf(
        tmp_path / "new",
        "knowledge/a",
        PAIRS,
        model="openai/new-teacher",
        templates={"skill_answer": "c" * 64, "pair_rating": "b" * 64},
        inputs_hash="1" * 64,
    )
    leaf = compare(tmp_path).leaves[0]
    assert leaf.status == "changed"
    assert leaf.samples == ()
    assert leaf.model_changed
    assert (leaf.model_old, leaf.model_new) == ("openai/old-teacher", "openai/new-teacher")
    assert leaf.templates_changed == ("skill_answer",)
    assert leaf.inputs_changed


def test_rejections_by_reason_and_summary(tmp_path: Path) -> None:
    datafiles.write_leaf(
        tmp_path / "old", "knowledge/a", PAIRS, rejected=[("r1", "x", "low_score")]
    )
    datafiles.write_leaf(
        tmp_path / "new",
        "knowledge/a",
        PAIRS[:2],
        rejected=[("r1", "x", "low_score"), ("r2", "y", "unfaithful"), ("r3", "z", "unfaithful")],
        cost=None,
    )
    datafiles.write_leaf(tmp_path / "new", "knowledge/b", [("q", "a")], cost=0.5)
    diff = compare(tmp_path)
    leaf = by_id(diff)["knowledge/a"]
    assert [(r.reason, r.old, r.new, r.delta) for r in leaf.rejected] == [
        ("low_score", 1, 1, 0),
        ("unfaithful", 0, 2, 2),
    ]
    s = diff.summary
    assert (s.kept_old, s.kept_new, s.rejected_old, s.rejected_new) == (3, 3, 1, 3)
    assert s.rejection_rate_old == pytest.approx(0.25)
    assert s.rejection_rate_new == pytest.approx(0.5)
    assert (s.samples_added, s.samples_removed, s.samples_changed) == (1, 1, 0)
    assert dict(s.by_status)["new"] == 1
    assert dict(s.by_status)["changed"] == 1
    assert s.usage.calls == 2 * 5 + 2 * 1
    assert s.usage.cost_usd == pytest.approx(0.5)
    assert not s.cost_known  # one run's cost was not known


def manifest(leaf: str, model: str = "m1", cost: float | None = None) -> Manifest:
    return Manifest(
        leaf=leaf,
        kind="freeform_skill",
        inputs_hash="0" * 64,
        labtax_version="0.1.0",
        teacher=TeacherParams(model, 0.7, 1024, 42, 10),
        templates={"skill_answer": "a" * 64},
        counts=SampleCounts(3, 2, 1, {"low_score": 1}),
        usage=Usage(calls=6, prompt_tokens=600, completion_tokens=200, cost_usd=cost),
        volume=Volume(10, 2, 1, "kept 2 of 10 samples after 1 round"),
        stages={},
    )


def test_states_are_records_however_they_were_loaded() -> None:
    leaf = "knowledge/a"
    kept = (candidate("Q?", "A.", "ctx", leaf=leaf, form="knowledge_qa"),)
    rejected = (kept[0].reject("faithfulness", "unfaithful", "adds a fact"),)
    before = LeafData(leaf, manifest(leaf), kept, rejected)
    assert datadiff.diff_datasets({leaf: before}, {leaf: before}).leaves[0].status == "unchanged"
    # Any manifest difference (here only the labtax version) is a change to review.
    newer = replace(before, manifest=replace(manifest(leaf), labtax_version="0.2.0"))
    leaf_diff = datadiff.diff_datasets({leaf: before}, {leaf: newer}).leaves[0]
    assert leaf_diff.status == "changed"
    assert leaf_diff.samples == ()
    # A rejection at another stage is a change too, with the same kept samples.
    moved_stage = (kept[0].reject("question_judge", "unfaithful", "adds a fact"),)
    other = replace(before, rejected=moved_stage)
    assert datadiff.diff_datasets({leaf: before}, {leaf: other}).leaves[0].status == "changed"


def test_usage_in_the_report_is_what_the_manifests_record() -> None:
    leaf = "knowledge/a"
    kept = (candidate("Q?", "A.", "ctx", leaf=leaf, form="knowledge_qa"),)
    stored = LeafData(leaf, manifest(leaf, cost=0.25), kept, ())
    report = datadiff_json.diff_dict(datadiff.diff_datasets({}, {leaf: stored}))
    usage = {
        "answers": 6,
        "prompt_tokens": 600,
        "cached_prompt_tokens": 0,
        "completion_tokens": 200,
        "cost_usd": 0.25,
    }
    assert report["leaves"][0]["usage"] == {"old": None, "new": usage}
    assert report["summary"]["usage"] == usage
    assert report["summary"]["cost_known"] is True
    assert report["leaves"][0]["samples"][0]["after"] == {
        "id": kept[0].id,
        "leaf": leaf,
        "kind": "knowledge",
        "form": "knowledge_qa",
        "context": "ctx",
        "question": "Q?",
        "answer": "A.",
        "score": 3,
    }


def test_data_moved_by_the_writer_diffs_as_renamed(repo: Path) -> None:
    config = load_config(repo)
    leaf = "compositional_skills/writing/poems"
    kept = [
        candidate("Write a haiku", "Rain\non the roof", leaf=leaf),
        candidate("Summarise", "Short", leaf=leaf, score=2),
    ]
    rejected = [kept[0].reject("pair_rating", "low_score", "rated 1")]
    writer.write_leaf(store.leaf_dir(config, leaf), kept, rejected, manifest(leaf))
    shutil.copytree(config.generated, repo / "before")
    assert writer.move_leaf(config, leaf, "compositional_skills/poetry", "freeform_skill")

    before = store.load_directory(repo / "before")
    diff = datadiff.diff_datasets(before, store.load_worktree(config))
    assert [(d.leaf_id, d.status, d.old_leaf_id) for d in diff.leaves] == [
        ("compositional_skills/poetry", "renamed", leaf)
    ]
    assert diff.leaves[0].unchanged_samples == 2
    assert diff.leaves[0].rejected[0] == datadiff.ReasonCount("low_score", 1, 1)
    assert not diff.summary.cost_known
    assert records.rejection_rate(diff.summary.rejected_new, diff.summary.kept_new) == 1 / 3


def test_a_sample_is_its_form_context_question_and_answer() -> None:
    leaf = "knowledge/a"
    qa = candidate("Q?", "A.", "The passage.", leaf=leaf, form="knowledge_qa")
    summary = candidate("Q?", "A.", "The passage.", leaf=leaf, form="detailed_summary")
    regenerated = replace(qa, score=2, provenance=summary.provenance)
    old = LeafData(leaf, manifest(leaf), (qa,), ())
    # Provenance and score are not content: the same example made by other calls is unchanged.
    same = datadiff.diff_datasets({leaf: old}, {leaf: replace(old, samples=(regenerated,))})
    assert same.leaves[0].status == "unchanged"
    # The same text as another form is another example: a removal and an addition.
    other = datadiff.diff_datasets({leaf: old}, {leaf: replace(old, samples=(summary,))})
    assert [c.status for c in other.leaves[0].samples] == ["added", "removed"]
    # Another context under the same question is another sample too, not a changed answer.
    moved = candidate("Q?", "B.", "Another passage.", leaf=leaf, form="knowledge_qa")
    changed = datadiff.diff_datasets({leaf: old}, {leaf: replace(old, samples=(moved,))})
    assert [c.status for c in changed.leaves[0].samples] == ["added", "removed"]
    answered = candidate("Q?", "B.", "The passage.", leaf=leaf, form="knowledge_qa")
    changed = datadiff.diff_datasets({leaf: old}, {leaf: replace(old, samples=(answered,))})
    assert [c.status for c in changed.leaves[0].samples] == ["changed"]

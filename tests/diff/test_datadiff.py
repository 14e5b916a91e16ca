"""Comparing dataset states read from directories: statuses, sample changes, counts, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labtax import datadiff
from labtax.errors import LabtaxError

PAIRS = [("What is 2+2?", "4"), ("Capital of France?", "Paris"), ("Largest planet?", "Jupiter")]


def compare(tmp_path: Path) -> datadiff.DataDiff:
    return datadiff.diff_datasets(
        datadiff.load_directory(tmp_path / "old"), datadiff.load_directory(tmp_path / "new")
    )


def by_id(diff: datadiff.DataDiff) -> dict[str, datadiff.LeafDiff]:
    return {leaf.leaf_id: leaf for leaf in diff.leaves}


def test_identical_states_are_unchanged(tmp_path: Path, kit) -> None:
    for side in ("old", "new"):
        kit.write_leaf(tmp_path / side, "knowledge/a", PAIRS)
    diff = compare(tmp_path)
    assert [leaf.status for leaf in diff.leaves] == ["unchanged"]
    assert diff.touched == ()
    assert diff.summary.touched == 0
    assert diff.leaves[0].unchanged_samples == 3


def test_changed_answer_is_paired_by_question(tmp_path: Path, kit) -> None:
    kit.write_leaf(tmp_path / "old", "knowledge/a", PAIRS)
    new_pairs = [
        PAIRS[0],
        ("Capital of France?", "Paris, on the Seine"),
        ("Smallest planet?", "Mercury"),
    ]
    kit.write_leaf(tmp_path / "new", "knowledge/a", new_pairs)
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


def test_new_removed_and_renamed_leaves(tmp_path: Path, kit) -> None:
    kit.write_leaf(tmp_path / "old", "compositional_skills/old_name", PAIRS)
    kit.write_leaf(tmp_path / "old", "knowledge/gone", [("q", "a")])
    kit.write_leaf(tmp_path / "new", "compositional_skills/new_name", PAIRS)
    kit.write_leaf(tmp_path / "new", "knowledge/fresh", [("q2", "a2")])
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


def test_rename_needs_mostly_the_same_samples(tmp_path: Path, kit) -> None:
    kit.write_leaf(tmp_path / "old", "compositional_skills/x", PAIRS)
    kit.write_leaf(tmp_path / "new", "compositional_skills/y", [PAIRS[0], ("n1", "a"), ("n2", "b")])
    statuses = {leaf.leaf_id: leaf.status for leaf in compare(tmp_path).leaves}
    assert statuses == {"compositional_skills/x": "removed", "compositional_skills/y": "new"}


def test_teacher_model_and_template_changes_mark_the_leaf_changed(tmp_path: Path, kit) -> None:
    kit.write_leaf(tmp_path / "old", "knowledge/a", PAIRS, model="openai/old-teacher")
    kit.write_leaf(
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


def test_rejections_by_reason_and_summary(tmp_path: Path, kit) -> None:
    kit.write_leaf(tmp_path / "old", "knowledge/a", PAIRS, rejected=[("r1", "x", "low_score")])
    kit.write_leaf(
        tmp_path / "new",
        "knowledge/a",
        PAIRS[:2],
        rejected=[("r1", "x", "low_score"), ("r2", "y", "unfaithful"), ("r3", "z", "unfaithful")],
        cost=None,
    )
    kit.write_leaf(tmp_path / "new", "knowledge/b", [("q", "a")], cost=0.5)
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


def test_symlinks_in_a_directory_are_not_followed(tmp_path: Path, kit) -> None:
    outside = kit.write_leaf(tmp_path / "elsewhere", "knowledge/secret", PAIRS)
    (tmp_path / "new" / "knowledge").mkdir(parents=True)
    (tmp_path / "new" / "knowledge" / "linked").symlink_to(outside, target_is_directory=True)
    assert datadiff.load_directory(tmp_path / "new") == {}


def test_a_missing_directory_is_an_empty_state(tmp_path: Path) -> None:
    assert datadiff.load_directory(tmp_path / "nothing") == {}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"id": "x", "leaf": "l", "kind": "k", "messages": []}', '"messages"'),
        ('{"id": 5, "leaf": "l", "kind": "k", "messages": []}', '"id" must be a str'),
        (
            '{"id": "x", "leaf": "l", "kind": "k", "messages": [{"role": "user", "content": "q"}]}',
            '"assistant"',
        ),
        ("[" * 100_000, "JSON"),
    ],
)
def test_malformed_samples_are_located_errors(
    tmp_path: Path, kit, line: str, expected: str
) -> None:
    directory = kit.write_leaf(tmp_path / "new", "knowledge/a", PAIRS)
    samples = directory / "samples.jsonl"
    samples.write_text(samples.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    with pytest.raises(LabtaxError) as caught:
        datadiff.load_directory(tmp_path / "new")
    assert expected in caught.value.message
    assert caught.value.location is not None
    assert caught.value.location.path.endswith("knowledge/a/samples.jsonl")
    assert caught.value.location.line == 4


def test_repeated_ids_count_once_when_kept_and_each_time_when_rejected(tmp_path: Path, kit) -> None:
    directory = kit.write_leaf(tmp_path / "new", "knowledge/a", PAIRS, rejected=[("r", "x", "low")])
    for name in ("samples.jsonl", "rejected.jsonl"):
        path = directory / name
        first = path.read_text(encoding="utf-8").splitlines()[0]
        path.write_text(path.read_text(encoding="utf-8") + first + "\n", encoding="utf-8")
    leaf = datadiff.load_directory(tmp_path / "new")["knowledge/a"]
    assert len(leaf.samples) == 3
    assert len(leaf.rejected) == 2
    assert leaf.rejected_by_reason() == {"low": 2}


def test_bad_utf8_is_located(tmp_path: Path, kit) -> None:
    directory = kit.write_leaf(tmp_path / "new", "knowledge/a", PAIRS)
    (directory / "samples.jsonl").write_bytes(b'{"ok": 1}\n\xff\xfe\n')
    with pytest.raises(LabtaxError, match="UTF-8") as caught:
        datadiff.load_directory(tmp_path / "new")
    assert caught.value.location is not None
    assert caught.value.location.line == 2


def test_malformed_manifest_is_located(tmp_path: Path, kit) -> None:
    directory = kit.write_leaf(tmp_path / "new", "knowledge/a", PAIRS)
    manifest = directory / "manifest.json"
    manifest.write_text('{\n  "leaf": "knowledge/a",\n  "usage": [\n', encoding="utf-8")
    with pytest.raises(LabtaxError, match="not valid JSON") as caught:
        datadiff.load_directory(tmp_path / "new")
    assert caught.value.location is not None
    assert caught.value.location.path.endswith("manifest.json")
    assert caught.value.location.line == 4
    data = {"leaf": "knowledge/a", "teacher": {"model": "m"}, "usage": {"calls": -1}}
    manifest.write_text(json.dumps(data, indent=2), encoding="utf-8")
    with pytest.raises(LabtaxError, match=r"usage\.calls") as caught:
        datadiff.load_directory(tmp_path / "new")
    assert caught.value.location is not None
    assert caught.value.location.line == 7

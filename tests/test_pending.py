"""Changed leaves without up-to-date data: missing, stale or failed, and why."""

from __future__ import annotations

from pathlib import Path

from gitrepo import git
from labtax import dataset, leaves
from labtax.changes import changed_leaves
from labtax.config import load_config
from labtax.generation import report
from labtax.pending import PendingLeaf, pending_leaves
from labtax.usage import Usage

RIDDLES = "compositional_skills/riddles/objects"
PARAGRAPH = "compositional_skills/grounded/summaries/paragraph"
WATER = "knowledge/science/water_cycle"


def _store(project: Path, leaf_id: str) -> None:
    config = load_config(project)
    leaf = leaves.load_file(config, config.taxonomy / leaf_id / "qna.yaml")
    manifest = dataset.Manifest(
        leaf=leaf_id,
        kind=leaf.kind.value,
        inputs_hash=str(report.leaf_hash(config, leaf)),
        labtax_version="0",
        teacher=dataset.TeacherParams("m", 0.7, 1024, 42, 4),
        templates={},
        counts=dataset.SampleCounts(0, 0, 0),
        usage=Usage(),
        volume=dataset.Volume(4, 0, 1, "kept 0 of 4 samples after 1 round"),
        stages={},
    )
    dataset.write_leaf(dataset.leaf_dir(config, leaf_id), [], [], manifest)


def _edit(project: Path, leaf_id: str, old: str, new: str) -> Path:
    path = project / "taxonomy" / leaf_id / "qna.yaml"
    path.write_text(path.read_text().replace(old, new))
    return path


def _pending(project: Path, runs: report.RunReport | None = None) -> list[PendingLeaf]:
    config = load_config(project)
    return list(pending_leaves(config, changed_leaves(config, "main").changes, runs))


def test_changed_leaves_with_missing_stale_or_failed_data_are_listed_with_why(project: Path):
    git(project, "checkout", "-q", "-b", "work")
    _store(project, PARAGRAPH)
    _edit(project, RIDDLES, "short explanation", "long explanation")  # never generated
    _edit(project, PARAGRAPH, "one sentence", "two sentences")  # generated before the edit
    _store(project, WATER)
    _edit(project, WATER, "created_by: tester", "created_by: other")  # metadata only
    assert [(p.leaf_id, p.state) for p in _pending(project)] == [
        (PARAGRAPH, "stale"),
        (RIDDLES, "missing"),
    ]
    stale, missing = _pending(project)
    assert stale.path == f"taxonomy/{PARAGRAPH}/qna.yaml"
    assert "older inputs" in stale.reason
    assert "no generated data yet" in missing.reason

    config = load_config(project)
    riddles = leaves.load_file(config, config.taxonomy / RIDDLES / "qna.yaml")
    digest = report.leaf_hash(config, riddles)
    failed = report.RunReport(
        (
            report.LeafOutcome(RIDDLES, "failed", "the teacher refused the request", digest),
            report.LeafOutcome(PARAGRAPH, "unfinished", "call budget reached", "stale-hash"),
        )
    )
    assert [(p.leaf_id, p.state, p.reason) for p in _pending(project, failed)] == [
        (PARAGRAPH, "stale", "the generated data is from older inputs: run labtax generate"),
        (RIDDLES, "failed", "the teacher refused the request"),
    ]
    # A report about other inputs than the leaf's current ones says nothing about it.
    _edit(project, RIDDLES, "long explanation", "longer explanation")
    assert _pending(project, failed)[1].state == "missing"


def test_fresh_data_is_not_pending_and_a_leaf_that_does_not_load_says_so(project: Path):
    git(project, "checkout", "-q", "-b", "work")
    _edit(project, RIDDLES, "short explanation", "long explanation")
    _store(project, RIDDLES)
    assert _pending(project) == []
    path = project / "taxonomy" / RIDDLES / "qna.yaml"
    path.write_text("version: 3\nseed_examples: [\n")
    (found,) = _pending(project)
    assert found.state == "stale"  # its old data is still there
    assert found.reason.startswith("the leaf does not load (")
    refused = report.RunReport(
        (report.LeafOutcome(RIDDLES, "refused", "qna.yaml:3:1: [yaml-syntax] bad", None),)
    )
    assert [(p.state, p.reason) for p in _pending(project, refused)] == [
        ("failed", "qna.yaml:3:1: [yaml-syntax] bad")
    ]


def test_annotate_knows_new_calls_per_leaf_and_in_total_only_when_all_are_known(
    tmp_path: Path,
) -> None:
    import datafiles
    from labtax import datadiff
    from labtax.dataset import store
    from labtax.pending import annotate

    datafiles.write_leaf(tmp_path / "new", "knowledge/a", [("q", "a")])
    datafiles.write_leaf(tmp_path / "new", "knowledge/b", [("r", "b")])
    diff = datadiff.diff_datasets({}, store.load_directory(tmp_path / "new"))
    both = annotate(diff, new_calls={"knowledge/a": 2, "knowledge/b": 0})
    assert [leaf.new_calls for leaf in both.leaves] == [2, 0]
    assert both.summary.new_calls == 2
    one = annotate(diff, new_calls={"knowledge/a": 2})
    assert [leaf.new_calls for leaf in one.leaves] == [2, None]
    assert one.summary.new_calls is None
    pending = (PendingLeaf("knowledge/c", "t/knowledge/c/qna.yaml", "missing", "no data"),)
    assert annotate(diff, new_calls={}, pending=pending).pending == pending

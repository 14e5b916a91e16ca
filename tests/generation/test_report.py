"""The run report: each leaf's outcome, merged across runs, deterministic, read defensively."""

from __future__ import annotations

import json
from pathlib import Path

from labtax import dataset, leaves
from labtax.config import load_config
from labtax.diagnostics import Diagnostic, Level
from labtax.generation import report
from labtax.generation.plan import Plan, RefusedLeaf
from labtax.generation.run import LeafResult
from labtax.usage import Usage

RIDDLES = "compositional_skills/riddles/objects"
PARAGRAPH = "compositional_skills/grounded/summaries/paragraph"


def _leaf(project: Path, leaf_id: str) -> leaves.Leaf:
    config = load_config(project)
    return leaves.load_file(config, config.taxonomy / leaf_id / "qna.yaml")


def test_a_run_records_each_leaf_and_the_file_ignores_itself(project: Path) -> None:
    config = load_config(project)
    riddles = _leaf(project, RIDDLES)
    broken = Diagnostic("taxonomy/x/qna.yaml", 3, 1, Level.ERROR, "yaml-syntax", "bad", "")
    plan = Plan((riddles,), refused=(RefusedLeaf("knowledge/x", "taxonomy/x/qna.yaml", broken),))
    results = [LeafResult(RIDDLES, "generated", usage=Usage(calls=3, cached_calls=4))]
    report.write_report(config, report.outcomes(config, plan, results))
    path = project / ".labtax" / "run-report.json"
    assert (project / ".labtax" / ".gitignore").read_text() == "*\n"
    first = path.read_bytes()
    document = json.loads(first)
    assert document == {
        "labtax_run_report": 1,
        "leaves": {
            "knowledge/x": {
                "answers": 0,
                "calls": 0,
                "inputs_hash": None,
                "message": "taxonomy/x/qna.yaml:3:1: [yaml-syntax] bad",
                "status": "refused",
            },
            RIDDLES: {
                "answers": 7,
                "calls": 3,
                "inputs_hash": report.leaf_hash(config, riddles),
                "message": "",
                "status": "generated",
            },
        },
    }
    # The same outcome writes the same bytes: nothing in it depends on when it ran.
    report.write_report(config, report.outcomes(config, plan, results))
    assert path.read_bytes() == first


def test_a_later_run_replaces_its_own_leaves_and_keeps_the_others(project: Path) -> None:
    config = load_config(project)
    report.write_report(config, [report.LeafOutcome(RIDDLES, "failed", "boom", "h1", 1, 1)])
    report.write_report(config, [report.LeafOutcome(PARAGRAPH, "generated", "", "h2", 0, 5)])
    report.write_report(config, [report.LeafOutcome(RIDDLES, "unfinished", "budget", "h3", 0, 0)])
    read = report.read_report(config)
    assert read is not None
    assert [(o.leaf_id, o.status, o.message) for o in read.leaves] == [
        (PARAGRAPH, "generated", ""),
        (RIDDLES, "unfinished", "budget"),
    ]
    entry = read.get(RIDDLES)
    assert entry is not None
    assert entry.matches("h3")
    assert not entry.matches("h1")
    assert read.get("knowledge/none") is None


def test_a_missing_or_damaged_report_reads_as_none(project: Path) -> None:
    config = load_config(project)
    assert report.read_report(config) is None
    path = report.report_path(config)
    path.parent.mkdir(parents=True)
    for damaged in ("{", "[]", '{"labtax_run_report": 9, "leaves": {}}'):
        path.write_text(damaged)
        assert report.read_report(config) is None
    # Entries that do not make sense are left out, the rest is kept.
    path.write_text(
        json.dumps(
            {
                "labtax_run_report": 1,
                "leaves": {
                    "a": {"status": "exploded", "message": "", "calls": 0, "answers": 0},
                    "b": {"status": "failed", "message": "x", "calls": True, "answers": 0},
                    "c": {"status": "failed", "message": "x", "calls": 1, "answers": 2},
                },
            }
        )
    )
    read = report.read_report(config)
    assert read is not None
    assert [o.leaf_id for o in read.leaves] == ["c"]


def test_new_calls_are_known_only_for_data_the_recorded_run_wrote(project: Path) -> None:
    config = load_config(project)
    riddles = _leaf(project, RIDDLES)
    digest = report.leaf_hash(config, riddles)
    manifest = dataset.Manifest(
        leaf=RIDDLES,
        kind="freeform_skill",
        inputs_hash=str(digest),
        labtax_version="0",
        teacher=dataset.TeacherParams("m", 0.7, 1024, 42, 4),
        templates={},
        counts=dataset.SampleCounts(0, 0, 0),
        usage=Usage(calls=7),
        volume=dataset.Volume(4, 0, 1, "kept 0 of 4 samples after 1 round"),
        stages={},
    )
    state = {RIDDLES: dataset.LeafData(RIDDLES, manifest, (), ())}
    recorded = report.RunReport((report.LeafOutcome(RIDDLES, "generated", "", digest, 3, 7),))
    assert report.new_calls(recorded, state) == {RIDDLES: 3}
    older = report.RunReport((report.LeafOutcome(RIDDLES, "generated", "", "other", 3, 7),))
    assert report.new_calls(older, state) == {}
    assert report.new_calls(None, state) == {}

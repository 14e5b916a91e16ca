"""`labtax status`: which leaves need generation, as text or JSON, and the exit code."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import clirun
import datafiles
import sampleleaves
from labtax import inputs, leaves
from labtax.cli import main
from labtax.config import load_config


def test_status_reports_missing_stale_and_orphaned(project, in_process, capsys):
    assert main(["status"]) == 1
    assert capsys.readouterr().out.count("missing") == 4
    assert main(["generate"]) == 0
    capsys.readouterr()
    assert main(["status"]) == 0
    assert main(["status", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == {"leaves": [], "summary": {"fresh": 4}}
    # An input change makes the leaf stale; an edit of a selected document file does too.
    leaf = project / "taxonomy/compositional_skills/riddles/objects/qna.yaml"
    leaf.write_text(leaf.read_text().replace("short explanation", "long explanation"))
    (project / "documents/water/water.md").write_text(sampleleaves.WATER_DOC + "\nMore water.\n")
    # A metadata-only change does not.
    grounded = project / "taxonomy/compositional_skills/grounded/summaries/paragraph/qna.yaml"
    grounded.write_text(grounded.read_text().replace("created_by: tester", "created_by: other"))
    shutil.copytree(project / "generated/knowledge/science", project / "generated/knowledge/gone")
    assert main(["status", "--format", "json"]) == 1
    states = {item["leaf"]: item["state"] for item in json.loads(capsys.readouterr().out)["leaves"]}
    assert states == {
        "compositional_skills/riddles/objects": "stale",
        "knowledge/science/water_cycle": "stale",
        "knowledge/gone/water_cycle": "orphaned",
    }


QNA = """\
version: 2
created_by: curator
task_description: {task}
seed_examples:
  - question: One?
    answer: One.
"""


def write_leaf(root: Path, leaf_id: str, task: str = "Count.") -> None:
    path = root / "taxonomy" / leaf_id / "qna.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(QNA.format(task=task), encoding="utf-8")
    config = load_config(root)
    datafiles.write_leaf(
        config.generated,
        leaf_id,
        [("q", "a")],
        inputs_hash=inputs.inputs_hash(config, leaves.load_file(config, path)),
    )


@pytest.fixture
def states(data_project: Path) -> Path:
    write_leaf(data_project, "compositional_skills/fresh")
    write_leaf(data_project, "compositional_skills/stale")
    stale = data_project / "taxonomy/compositional_skills/stale/qna.yaml"
    stale.write_text(QNA.format(task="Count again."), encoding="utf-8")
    (data_project / "taxonomy/compositional_skills/missing").mkdir()
    (data_project / "taxonomy/compositional_skills/missing/qna.yaml").write_text(
        QNA.format(task="x"), encoding="utf-8"
    )
    return data_project


def test_text_lists_what_needs_generation_and_sums_up_on_stderr(states: Path) -> None:
    code, out, err = clirun.run("status")
    assert code == 1
    lines = out.splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["missing", "compositional_skills/missing"],
        ["stale", "compositional_skills/stale"],
    ]
    assert err == (
        "2 leaves need generation, 1 up to date; run `labtax generate` to bring them up to date\n"
    )


def test_all_lists_fresh_leaves_too(states: Path) -> None:
    code, out, _ = clirun.run("status", "--all")
    assert code == 1
    assert [line.split()[0] for line in out.splitlines()] == ["fresh", "missing", "stale"]


def test_json_lists_each_leaf_and_a_summary_by_state(states: Path) -> None:
    code, out, _ = clirun.run("status", "--format", "json", "--all")
    document = json.loads(out)
    assert code == 1
    assert document["summary"] == {"fresh": 1, "missing": 1, "stale": 1}
    assert [(item["leaf"], item["state"]) for item in document["leaves"]] == [
        ("compositional_skills/fresh", "fresh"),
        ("compositional_skills/missing", "missing"),
        ("compositional_skills/stale", "stale"),
    ]
    assert set(document["leaves"][0]) == {"detail", "leaf", "path", "state"}


def test_everything_up_to_date_exits_0(data_project: Path) -> None:
    write_leaf(data_project, "knowledge/science/fresh")
    assert clirun.run("status") == (0, "", "0 leaves need generation, 1 up to date\n")


def test_the_taxonomy_option(states: Path) -> None:
    (states / "taxonomy").rename(states / "tree")
    code, out, _ = clirun.run("status", "--taxonomy", "tree", "--format", "json")
    assert code == 1
    assert json.loads(out)["summary"] == {"fresh": 1, "missing": 1, "stale": 1}
    assert clirun.run("status", "--format", "yaml").code == 2

"""`labtax tree`: the taxonomy with seeds, kept samples, rejection rate and data freshness."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import datafiles
from labtax import inputs, leaves
from labtax.cli import main
from labtax.config import load_config

GOLDEN = Path(__file__).parent / "golden"

LEAF = """\
version: 2
created_by: curator
task_description: {task}
seed_examples:
{seeds}
"""


def write_qna(root: Path, leaf_id: str, seeds: int, task: str = "Write things.") -> None:
    directory = root / "taxonomy" / leaf_id
    directory.mkdir(parents=True, exist_ok=True)
    lines = "".join(
        f"  - question: Question number {n}?\n    answer: Answer number {n}.\n"
        for n in range(seeds)
    )
    (directory / "qna.yaml").write_text(LEAF.format(task=task, seeds=lines), encoding="utf-8")


def current_hash(root: Path, leaf_id: str) -> str:
    config = load_config(root)
    return inputs.inputs_hash(
        config, leaves.load_file(config, config.taxonomy / leaf_id / "qna.yaml")
    )


@pytest.fixture
def taxonomy(data_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "100")
    gen = data_project / "generated"
    write_qna(data_project, "compositional_skills/writing/poems", 5)
    write_qna(data_project, "compositional_skills/writing/stories", 3)
    write_qna(data_project, "compositional_skills/math/sums", 6)
    datafiles.write_leaf(
        gen,
        "compositional_skills/writing/poems",
        [("q1", "a1"), ("q2", "a2"), ("q3", "a3")],
        rejected=[("q4", "a4", "low_score")],
        inputs_hash=current_hash(data_project, "compositional_skills/writing/poems"),
    )
    datafiles.write_leaf(
        gen, "compositional_skills/writing/stories", [("q", "a")], inputs_hash="f" * 64
    )
    datafiles.write_leaf(gen, "compositional_skills/retired", [("q", "a")])
    return data_project


def leaf_records(node: dict) -> dict[str, dict]:
    found = {node["leaf"]["leaf_id"]: node["leaf"]} if node["leaf"] else {}
    for child in node["children"]:
        found.update(leaf_records(child))
    return found


def test_json_reports_fresh_stale_missing_and_orphaned(taxonomy: Path, capsys) -> None:
    assert main(["tree", "--format", "json"]) == 0
    tree = json.loads(capsys.readouterr().out)
    records = leaf_records(tree)
    assert {k: v["status"] for k, v in records.items()} == {
        "compositional_skills/math/sums": "missing",
        "compositional_skills/retired": "orphaned",
        "compositional_skills/writing/poems": "fresh",
        "compositional_skills/writing/stories": "stale",
    }
    poems = records["compositional_skills/writing/poems"]
    assert (poems["seeds"], poems["kept"], poems["rejected"]) == (5, 3, 1)
    assert poems["rejection_rate"] == pytest.approx(0.25)
    assert tree["totals"]["leaves"] == 3  # orphaned data covers no leaf
    assert tree["totals"]["seeds"] == 14
    assert tree["totals"]["status"] == {"fresh": 1, "stale": 1, "missing": 1, "orphaned": 1}
    writing = tree["children"][0]["children"][2]
    assert writing["path"] == "compositional_skills/writing"
    assert writing["totals"]["kept"] == 4


def test_editing_a_leaf_makes_its_data_stale(taxonomy: Path, capsys) -> None:
    write_qna(taxonomy, "compositional_skills/writing/poems", 5, task="Write better poems.")
    assert main(["tree", "--format", "json"]) == 0
    records = leaf_records(json.loads(capsys.readouterr().out))
    assert records["compositional_skills/writing/poems"]["status"] == "stale"


def test_text_tree(taxonomy: Path, capsys) -> None:
    assert main(["tree"]) == 0
    out = capsys.readouterr().out
    path = GOLDEN / "tree.txt"
    if os.environ.get("LABTAX_UPDATE_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")
    assert "poems  5 seeds, 3 kept, rejection 25.0%  fresh" in out


def test_problems_are_shown_and_exit_1(taxonomy: Path, capsys) -> None:
    bad = taxonomy / "taxonomy" / "compositional_skills" / "broken"
    bad.mkdir()
    (bad / "qna.yaml").write_text("version: [\n", encoding="utf-8")
    samples = taxonomy / "generated" / "compositional_skills" / "writing" / "stories"
    (samples / "samples.jsonl").write_text("not json\n", encoding="utf-8")
    assert main(["tree", "--format", "json"]) == 1
    records = leaf_records(json.loads(capsys.readouterr().out))
    assert records["compositional_skills/broken"]["status"] == "invalid"
    assert (
        "taxonomy/compositional_skills/broken/qna.yaml:2:"
        in records["compositional_skills/broken"]["problem"]
    )
    stories = records["compositional_skills/writing/stories"]
    assert stories["status"] == "stale"  # as `labtax status` says: the next run replaces it
    assert "generated/compositional_skills/writing/stories/samples.jsonl:1:" in stories["problem"]
    assert main(["tree"]) == 1
    out = capsys.readouterr().out
    assert "invalid: taxonomy/compositional_skills/broken/qna.yaml:2:" in out
    assert "stale: generated/compositional_skills/writing/stories/samples.jsonl:1:" in out


def test_hostile_leaf_names_do_not_reach_the_terminal(data_project: Path, capsys) -> None:
    write_qna(data_project, "compositional_skills/evil\x1b[2J\u202e", 1)
    assert main(["tree"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "evil\\u001b[2J\\u202e" in out


def test_tree_imports_no_heavy_modules() -> None:
    probe = (
        "import sys\n"
        "import labtax.commands.tree, labtax.coverage\n"
        "heavy = {'rich', 'litellm', 'rapidfuzz'}\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_the_students_scores_and_diversity_in_json_and_text(
    project, in_process, in_process_eval, capsys
):
    import projects

    assert main(["generate"]) == 0
    assert main(["eval", "--student", projects.FAKE_STUDENT]) == 0
    capsys.readouterr()
    assert main(["tree", "--format", "json"]) == 0
    tree = json.loads(capsys.readouterr().out)
    assert tree["student"] == projects.FAKE_STUDENT
    press = leaf_records(tree)["knowledge/history/printing_press"]
    assert press["student"]["status"] == "evaluated"
    assert press["student"]["mean_score"] >= 8
    assert press["student"]["judge"] == "openai/labtax-fake-teacher"
    assert 0 < press["diversity"]["distinct_bigrams"] <= 1
    # Only the generated questions: the auxiliary forms' fixed instructions are not questions.
    rows = (project / "generated" / PRESS / "samples.jsonl").read_text().splitlines()
    forms = [json.loads(line)["form"] for line in rows]
    assert set(forms) > {"knowledge_qa"}
    assert press["diversity"]["questions"] == forms.count("knowledge_qa") < press["kept"]
    assert tree["totals"]["student"]["leaves_evaluated"] == 4
    assert main(["tree", "--student", "openai/never-asked"]) == 0
    text = capsys.readouterr().out
    assert "student not evaluated" in text
    assert "distinct-2 " in text


def test_a_knowledge_leaf_shows_how_many_of_its_chunks_its_samples_come_from(
    project, in_process, capsys, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["generate"]) == 0
    capsys.readouterr()
    assert main(["tree", "--format", "json"]) == 0
    records = leaf_records(json.loads(capsys.readouterr().out))
    assert records["knowledge/science/water_cycle"]["chunks"] == {"contributing": 1, "total": 1}
    assert records["compositional_skills/riddles/objects"]["chunks"] is None
    assert main(["tree"]) == 0
    text = capsys.readouterr().out
    assert text.count("1 of 1 chunks") == 2  # the two knowledge leaves


PRESS = "knowledge/history/printing_press"


def evaluated_project(capsys) -> None:
    import projects

    assert main(["generate"]) == 0
    assert main(["eval", "--student", projects.FAKE_STUDENT]) == 0
    capsys.readouterr()


def test_a_damaged_stored_evaluation_is_a_problem_not_not_evaluated(
    project, in_process, in_process_eval, capsys, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "200")
    evaluated_project(capsys)
    stored = project / "evaluations/openai-labtax-fake-student" / f"{PRESS}.json"
    stored.write_text('{"broken\n', encoding="utf-8")
    assert main(["tree"]) == 1
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "printing_press" in x)
    assert "student evaluation damaged" in line
    assert f"evaluations/openai-labtax-fake-student/{PRESS}.json:1:" in out
    assert "error: damaged evaluation: not JSON" in out
    assert main(["tree", "--format", "json"]) == 1
    press = leaf_records(json.loads(capsys.readouterr().out))[PRESS]
    assert "damaged evaluation: not JSON" in press["evaluation_problem"]


def test_a_score_for_questions_the_leaf_no_longer_asks_is_marked_outdated(
    project, in_process, in_process_eval, capsys, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "200")
    evaluated_project(capsys)
    assert main(["tree", "--format", "json"]) == 0
    assert leaf_records(json.loads(capsys.readouterr().out))[PRESS]["student"]["outdated"] is False
    qna = project / "taxonomy" / PRESS / "qna.yaml"
    text = qna.read_text(encoding="utf-8")
    qna.write_text(text.replace("What does the text say", "What else does the text say", 1))
    assert main(["tree", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert leaf_records(document)[PRESS]["student"]["outdated"] is True
    assert document["totals"]["student"]["leaves_outdated"] == 1
    assert main(["tree"]) == 0
    lines = capsys.readouterr().out.splitlines()
    press = next(x for x in lines if "printing_press" in x)
    assert "outdated: the leaf changed since" in press
    assert "outdated" not in next(x for x in lines if "water_cycle" in x)


def test_diversity_leaves_out_auxiliary_forms_when_read_strictly_too(project, in_process, capsys):
    assert main(["generate"]) == 0
    capsys.readouterr()
    assert main(["tree", "--format", "json"]) == 0
    vouched = leaf_records(json.loads(capsys.readouterr().out))[PRESS]["diversity"]
    # A manifest that no longer vouches for its files: the strict reader reads the samples.
    manifest = project / "generated" / PRESS / "manifest.json"
    document = json.loads(manifest.read_text())
    document["files"]["samples.jsonl"] = "0" * 64
    manifest.write_text(json.dumps(document))
    assert main(["tree", "--format", "json"]) in (0, 1)
    strict = leaf_records(json.loads(capsys.readouterr().out))[PRESS]
    assert strict["status"] == "stale"
    assert strict["problem"] is None
    assert strict["diversity"] == vouched

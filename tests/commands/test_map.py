"""`labtax map` end to end: a generated and evaluated project, its page, picture and gaps."""

from __future__ import annotations

import json
import sys

import pytest

import projects
from labtax.cli import main


@pytest.fixture
def evaluated(project, in_process, in_process_eval, capsys):
    assert main(["generate"]) == 0
    assert main(["eval", "--student", projects.FAKE_STUDENT]) == 0
    capsys.readouterr()
    return project


def test_writes_the_page_and_the_picture_and_prints_the_gaps(evaluated, capsys):
    assert main(["map", "reports/map.html"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("map: reports/map.html\npicture: reports/map.png\n")
    assert "gaps:" in out
    assert "thin branch: foundational_skills: 0 leaves, 0 seeds" in out
    page = (evaluated / "reports" / "map.html").read_text(encoding="utf-8")
    # The only stored student is the default one.
    assert "openai/labtax-fake-student" in page
    assert "printing_press" in page
    assert (evaluated / "reports" / "map.png").read_bytes().startswith(b"\x89PNG")


def test_json_lists_tiles_and_gaps(evaluated, capsys):
    args = ["map", "out/map.html", "--picture", "out/map.svg", "--format", "json"]
    assert main([*args, "--colour", "rejection", "--area", "seeds"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["picture"] == "out/map.svg"
    assert document["student"] == projects.FAKE_STUDENT
    leaves = [t for t in document["tiles"] if t["leaf"]]
    assert len(leaves) == 4
    assert all(t["caption"]["score"].endswith("/10") for t in leaves)
    assert {g["kind"] for g in document["gaps"]} >= {"thin_branch"}
    assert (evaluated / "out" / "map.svg").read_text().startswith("<?xml")


def test_a_student_without_evaluations_leaves_every_leaf_not_evaluated(evaluated, capsys):
    assert main(["map", "map.html", "--student", "openai/never-asked"]) == 0
    out = capsys.readouterr().out
    assert out.count("not evaluated: knowledge/") == 2
    assert "not evaluated" in (evaluated / "map.html").read_text(encoding="utf-8")


def test_without_the_map_extra_it_says_which_to_install(project, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "plotly", None)
    monkeypatch.setitem(sys.modules, "plotly.graph_objects", None)
    assert main(["map", "map.html"]) == 1
    err = capsys.readouterr().err
    assert "`labtax map` needs plotly" in err
    assert "pip install 'labtax[map]'" in err


def test_a_picture_of_another_format_is_a_usage_error(project, capsys):
    assert main(["map", "map.html", "--picture", "map.jpg"]) == 2
    assert "use a .png or .svg file name" in capsys.readouterr().err


@pytest.mark.parametrize("out", ["", ".", "reports/.."])
def test_an_out_without_a_file_name_is_a_usage_error(project, capsys, out):
    assert main(["map", out]) == 2
    err = capsys.readouterr().err
    assert "internal error" not in err
    assert "name the HTML file to write" in err or "is a directory" in err


@pytest.mark.parametrize(
    "args",
    [
        ["map", "m.png"],
        ["map", "s.svg", "--picture", "s.svg"],
        ["map", "a.svg", "--picture", "./a.svg"],
    ],
)
def test_a_picture_that_would_overwrite_the_map_is_refused(project, capsys, args):
    assert main(args) == 2
    assert "would overwrite the map" in capsys.readouterr().err
    assert not any(project.glob("*.png"))
    assert not any(project.glob("*.svg"))


def test_an_existing_out_that_is_not_a_regular_file_is_refused(project, capsys):
    import os

    os.mkfifo(project / "pipe.html")
    assert main(["map", "pipe.html"]) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert (project / "pipe.html").is_fifo()
    os.mkfifo(project / "pic.png")
    assert main(["map", "ok.html", "--picture", "pic.png"]) == 2
    assert (project / "pic.png").is_fifo()


def test_a_damaged_evaluation_is_a_problem_and_an_outdated_one_is_marked(evaluated, capsys):
    press = "knowledge/history/printing_press"
    qna = evaluated / "taxonomy" / press / "qna.yaml"
    text = qna.read_text(encoding="utf-8")
    qna.write_text(text.replace("What does the text say", "What else does the text say", 1))
    assert main(["map", "map.html", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    gaps = [g for g in document["gaps"] if g["kind"] == "outdated_evaluation"]
    assert [g["path"] for g in gaps] == [press]
    tile = next(t for t in document["tiles"] if t["id"].endswith(press))
    assert tile["caption"]["score"].endswith("(outdated)")
    stored = evaluated / "evaluations/openai-labtax-fake-student/knowledge/science/water_cycle.json"
    stored.write_text('{"broken\n', encoding="utf-8")
    assert main(["map", "map.html"]) == 1
    out = capsys.readouterr().out
    assert "damaged evaluation: not JSON" in out
    assert "no stored evaluation" not in out

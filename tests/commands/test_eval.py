"""`labtax eval` end to end: the fake student and judge in-process, and once over HTTP with a
student nobody answers at."""

from __future__ import annotations

import json
import socket

import projects
from labtax.cli import main

STUDENT = projects.FAKE_STUDENT


def test_without_a_student_it_says_how_to_name_one(project, in_process_eval, capsys):
    assert main(["eval"]) == 2
    err = capsys.readouterr().err
    assert "no student model to evaluate" in err
    assert "--student MODEL" in err
    assert main(["eval", "--changed", "taxonomy"]) == 2


def test_paths_that_match_no_leaf_are_named_before_any_call(project, in_process_eval, capsys):
    knowledge = "taxonomy/knowledge/history"
    assert main(["eval", "--student", STUDENT, "nope1", knowledge]) == 2
    assert "no leaf matches this path: nope1" in capsys.readouterr().err
    assert main(["eval", "--student", STUDENT, "nope1"]) == 2
    assert in_process_eval.sent == 0


def test_scores_every_leaf_then_a_rerun_asks_nothing(project, in_process_eval, capsys):
    assert main(["eval", "--student", STUDENT]) == 0
    out = capsys.readouterr().out
    assert (
        "student openai/labtax-fake-student, judged by openai/labtax-fake-teacher: 4 leaves" in out
    )
    line = next(x for x in out.splitlines() if "printing_press" in x)
    assert line.endswith("the student knows it already")
    stored = project / "evaluations" / "openai-labtax-fake-student"
    assert len(list(stored.rglob("*.json"))) == 4
    sent = in_process_eval.sent
    assert main(["eval", "--student", STUDENT, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert in_process_eval.sent == sent
    assert {leaf["status"] for leaf in document["leaves"]} == {"fresh"}
    assert document["student"] == STUDENT


def test_the_student_flag_wins_over_the_environment(project, in_process_eval, monkeypatch, capsys):
    monkeypatch.setenv("LABTAX_STUDENT_MODEL", "openai/someone-else")
    assert main(["eval", "--student", STUDENT, "taxonomy/knowledge"]) == 0
    assert "2 leaves" in capsys.readouterr().out
    assert (project / "evaluations" / "openai-labtax-fake-student").is_dir()
    assert not (project / "evaluations" / "openai-someone-else").exists()


def test_markdown_is_the_comment_section(project, in_process_eval, capsys):
    assert main(["eval", "--student", STUDENT, "--format", "markdown", "--shard", "1/1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### How the current student scores on these leaves")
    row = next(x for x in out.splitlines() if "printing_press" in x)
    assert row.startswith("| `knowledge/history/printing_press` | ")
    assert row.endswith("| the student knows it already |")


def test_a_missing_export_is_a_located_error(project, in_process_eval, capsys):
    assert main(["eval", "--student", STUDENT, "--held-out", "out"]) == 1
    assert "out: error: no export directory" in capsys.readouterr().err


def test_a_directory_that_is_not_an_export_is_refused_before_any_call(
    project, in_process_eval, capsys
):
    (project / "reports" / "mix").mkdir(parents=True)
    for given in ("reports", ""):
        assert main(["eval", "--student", STUDENT, "--held-out", given]) == 1
        assert "error: no export directory" in capsys.readouterr().err
    assert in_process_eval.sent == 0


def test_the_export_test_split_is_asked_too(project, in_process_eval, capsys):
    row = {
        "messages": [
            {"role": "user", "content": "Which machine changed printing?"},
            {"role": "assistant", "content": "The printing press."},
        ],
        "leaf": "knowledge/history/printing_press",
        "kind": "knowledge",
        "source": "generated",
        "form": "qa",
        "id": "r1",
    }
    projects.write_export(project / "out", "knowledge", json.dumps(row))
    assert main(["eval", "--student", STUDENT, "--held-out", "out", "taxonomy/knowledge"]) == 0
    stored = (
        project / "evaluations/openai-labtax-fake-student/knowledge/history/printing_press.json"
    )
    questions = json.loads(stored.read_text())["questions"]
    assert questions[-1]["source"] == "test"
    assert questions[-1]["question"] == "Which machine changed printing?"
    # Never taught it: the fake student says so, and the judge scores it low.
    assert questions[-1]["score"] <= 2


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_student_is_counted_per_leaf_over_http(
    project, fake_server, monkeypatch, capsys
):
    _, url = fake_server()
    with (project / "labtax.toml").open("a", encoding="utf-8") as settings:
        settings.write("\n[student]\nretries = 0\ntimeout = 5\n")
    args = [
        "eval",
        "--student",
        "openai/nobody-home",
        "--student-api-base",
        f"http://127.0.0.1:{closed_port()}/v1",
        "taxonomy/knowledge/science",
    ]
    monkeypatch.setenv("LABTAX_TEACHER_API_BASE", url)
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "knowledge/science/water_cycle  not evaluated" in captured.out
    assert "knowledge/science/water_cycle: not evaluated" in captured.err
    assert "no answer from the student" in captured.err
    stored = project / "evaluations/openai-nobody-home/knowledge/science/water_cycle.json"
    assert json.loads(stored.read_text())["status"] == "not evaluated"


def test_a_cost_limit_without_a_price_is_refused_before_any_call(
    project, in_process_eval, monkeypatch, capsys
):
    from labtax.commands import eval as command

    def priced_student(config, *args, **kwargs):
        teacher = in_process_eval.make_teacher(config, *args, **kwargs)
        if config.model == STUDENT:
            teacher.transport.price = 0.001
        return teacher

    # The student has a price, the fake judge none: the student must not be asked either.
    monkeypatch.setattr(command, "make_teacher", priced_student)
    assert main(["eval", "--student", STUDENT, "--max-cost", "1"]) == 1
    err = capsys.readouterr().err
    assert (
        "--max-cost needs a price, and litellm knows none for 'openai/labtax-fake-teacher'" in err
    )
    assert "--max-calls" in err
    assert in_process_eval.sent == 0
    assert not (project / "evaluations").exists()


def test_a_cost_limit_bounds_the_judge_when_the_student_is_on_its_own_server(
    project, in_process_eval, monkeypatch, capsys
):
    from labtax.commands import eval as command

    def priced_judge(config, *args, **kwargs):
        teacher = in_process_eval.make_teacher(config, *args, **kwargs)
        if config.model != STUDENT:
            teacher.transport.price = 0.001
        return teacher

    monkeypatch.setattr(command, "make_teacher", priced_judge)
    args = ["eval", "--student", STUDENT, "--max-cost", "1", "taxonomy/knowledge"]
    # Without a server of its own, an unpriced student could cost anything: refused.
    assert main(args) == 1
    assert f"litellm knows none for {STUDENT!r}" in capsys.readouterr().err
    assert in_process_eval.sent == 0
    assert main([*args, "--student-api-base", "http://127.0.0.1:9/v1"]) == 0
    out = capsys.readouterr().out
    assert "2 evaluated now" in out
    assert "cost: $0.0" in out

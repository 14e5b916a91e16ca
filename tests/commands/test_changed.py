"""`labtax changed`: output formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import topicrepo
from gitrepo import git
from labtax.cli import main

SYN = "taxonomy/compositional_skills/linguistics/synonyms/qna.yaml"
LOGIC = "taxonomy/foundational_skills/reasoning/logic/qna.yaml"


@pytest.fixture
def edited(topic_repo: Path) -> Path:
    git(
        topic_repo,
        "mv",
        "taxonomy/compositional_skills/linguistics/synonyms",
        "taxonomy/compositional_skills/linguistics/words",
    )
    topicrepo.write(
        topic_repo, LOGIC, topicrepo.skill(2).replace("created_by: alice", "created_by: zoe")
    )
    topicrepo.write(topic_repo, "taxonomy/knowledge/science/water/qna.yml", "a: 1\n")
    topicrepo.write(
        topic_repo, "taxonomy/compositional_skills/new leaf/qna.yaml", topicrepo.skill(7)
    )
    return topic_repo


def test_text_output(edited: Path, capsys):
    assert main(["changed", "--base", "main"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "renamed   taxonomy/compositional_skills/linguistics/words/qna.yaml <- "
        f"{SYN} (100%)  (metadata)",
        "added     taxonomy/compositional_skills/new leaf/qna.yaml  (inputs)",
        f"modified  {LOGIC}  (metadata)",
        "ignored   taxonomy/knowledge/science/water/qna.yml  "
        "(not a leaf: taxonomy leaves must be named qna.yaml)",
    ]
    assert err.startswith("3 changed leaves against main (merge base ")
    assert ", 1 ignored" in err


def test_json_output(edited: Path, capsys):
    assert main(["changed", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["base"] == "main"
    assert len(document["merge_base"]) == 40
    assert len(document["head"]) == 40
    assert [(c["status"], c["reasons"], c["needs_generation"]) for c in document["changes"]] == [
        ("renamed", ["metadata"], False),
        ("added", ["inputs"], True),
        ("modified", ["metadata"], False),
    ]
    renamed = document["changes"][0]
    assert renamed["old_path"] == SYN
    assert renamed["old_leaf_id"] == "compositional_skills/linguistics/synonyms"
    assert renamed["similarity"] == 100
    assert document["ignored"] == [
        {
            "path": "taxonomy/knowledge/science/water/qna.yml",
            "reason": "not a leaf: taxonomy leaves must be named qna.yaml",
        }
    ]


def test_no_untracked_flag(edited: Path, capsys):
    assert main(["changed", "--no-untracked", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    # the moved leaf was staged by `git mv`; the untracked leaf and the .yml are left out
    assert [c["status"] for c in document["changes"]] == ["renamed", "modified"]
    assert document["ignored"] == []


def test_no_changes_exits_zero_with_empty_output(topic_repo: Path, capsys):
    assert main(["changed"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("0 changed leaves against main")


def test_unknown_base_exits_one_with_a_hint(topic_repo: Path, capsys):
    assert main(["changed", "--base", "nope"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "error: unknown ref 'nope'" in err
    assert "hint:" in err
    assert "Traceback" not in err


def test_not_a_repository_exits_one(tmp_path: Path, monkeypatch, capsys):
    (tmp_path / "taxonomy").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["changed"]) == 1
    assert "not a git repository" in capsys.readouterr().err


def test_bad_format_is_a_usage_error(topic_repo: Path, capsys):
    assert main(["changed", "--format", "yaml"]) == 2


def test_taxonomy_option(topic_repo: Path, capsys):
    topicrepo.write(topic_repo, "other/compositional_skills/a/qna.yaml", topicrepo.skill(3))
    assert main(["changed", "--taxonomy", "other", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [(c["path"], c["leaf_id"]) for c in document["changes"]] == [
        ("other/compositional_skills/a/qna.yaml", "compositional_skills/a")
    ]


def test_real_process_exit_codes(topic_repo: Path):
    topicrepo.write(topic_repo, SYN, topicrepo.skill(1).replace("Glad.", "Sunny."))
    ok = subprocess.run(
        [sys.executable, "-m", "labtax", "changed"],
        cwd=topic_repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0
    assert ok.stdout == f"modified  {SYN}  (inputs)\n"
    bad = subprocess.run(
        [sys.executable, "-m", "labtax", "changed", "--base", "missing"],
        cwd=topic_repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert "unknown ref 'missing'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_taxonomy_in_another_repository_is_compared_in_that_repository(
    edited: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    git(elsewhere, "init", "-q", "-b", "main")
    monkeypatch.chdir(elsewhere)
    assert main(["changed", "--base", "main", "--format", "json"]) == 1
    assert "hint" in capsys.readouterr().err  # this repository has no main to compare with
    assert main(["changed", "--taxonomy", "../repo/taxonomy", "--base", "main"]) == 0
    here = capsys.readouterr().out
    monkeypatch.chdir(edited)
    assert main(["changed", "--base", "main"]) == 0
    assert capsys.readouterr().out == here

"""Golden files for every `labtax diff` format (regenerate with LABTAX_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import datafiles
from labtax.cli import main

GOLDEN = Path(__file__).parent / "golden"

PAIRS = [("What is 2+2?", "4"), ("Capital of France?", "Paris"), ("Largest planet?", "Jupiter")]
SKILL = [("Write a haiku about rain", "Rain on the roof\n`soft` drums"), ("Rhyme cat", "hat")]


@pytest.fixture
def scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    old, new = tmp_path / "old", tmp_path / "new"
    datafiles.write_leaf(old, "knowledge/astronomy", PAIRS, rejected=[("Bad q", "x", "low_score")])
    datafiles.write_leaf(
        new,
        "knowledge/astronomy",
        [PAIRS[0], ("Capital of France?", "Paris, on the Seine"), ("Smallest planet?", "Mercury")],
        rejected=[("Bad q", "x", "low_score"), ("Who? @everyone", "<b>no</b>", "unfaithful")],
        model="openai/bigger-teacher",
        templates={"skill_answer": "c" * 64, "pair_rating": "b" * 64},
    )
    datafiles.write_leaf(old, "compositional_skills/poetry", SKILL)
    datafiles.write_leaf(new, "compositional_skills/writing/poetry", SKILL)
    datafiles.write_leaf(old, "knowledge/retired", [("Old question", "Old answer")])
    datafiles.write_leaf(new, "knowledge/history", [("When? ```", "1066 #12 https://x.example")])
    datafiles.write_leaf(
        new,
        "compositional_skills/grounded/action_items",
        [("List the action items in this email.", "- Send the report by Friday")],
        context="From: Ann\nPlease send the report by Friday.",
    )
    datafiles.write_leaf(old, "knowledge/steady", [("Same", "Same")])
    datafiles.write_leaf(new, "knowledge/steady", [("Same", "Same")])
    return tmp_path


@pytest.mark.parametrize(
    ("fmt", "golden"), [("markdown", "diff.md"), ("text", "diff.txt"), ("json", "diff.json")]
)
def test_golden(scenario: Path, capsys, fmt: str, golden: str) -> None:
    assert main(["diff", "--format", fmt, "old", "new"]) == 0
    out = capsys.readouterr().out
    path = GOLDEN / golden
    if os.environ.get("LABTAX_UPDATE_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")


def test_full_report_golden(scenario: Path, capsys) -> None:
    assert main(["diff", "--output-dir", "report", "--samples", "1", "old", "new"]) == 0
    capsys.readouterr()
    full = (scenario / "report" / "data-diff.md").read_text(encoding="utf-8")
    path = GOLDEN / "data-diff.md"
    if os.environ.get("LABTAX_UPDATE_GOLDEN"):
        path.write_text(full, encoding="utf-8")
    assert full == path.read_text(encoding="utf-8")

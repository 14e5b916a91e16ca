"""`leaf-branch`: a leaf must sit below one of the three branches of the taxonomy."""

from __future__ import annotations

from pathlib import Path

import pytest

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import leaf_branch
from sampleleaves import HAIKU


def messages(root: Path, leaf_id: str | None) -> list[str]:
    found = leaf_branch.check(rulecheck.subject(root, HAIKU, leaf_id=leaf_id))
    assert all((d.line, d.col, d.level) == (1, 1, Level.ERROR) for d in found)
    return [d.message for d in found]


@pytest.mark.parametrize(
    "leaf_id", ["compositional_skills/a", "foundational_skills/a/b", "knowledge/a/b/c"]
)
def test_leaves_below_a_branch_pass(tmp_path: Path, leaf_id: str) -> None:
    assert messages(tmp_path, leaf_id) == []


def test_a_leaf_at_the_top_of_a_branch(tmp_path: Path) -> None:
    assert messages(tmp_path, "knowledge") == [
        "a leaf must be in a directory below knowledge/, not at its top"
    ]


def test_a_leaf_in_no_branch_and_a_leaf_outside_the_taxonomy(tmp_path: Path) -> None:
    assert messages(tmp_path, "misc/haiku") == [
        "the leaf is not inside a branch directory "
        "(compositional_skills, foundational_skills, knowledge)"
    ]
    assert messages(tmp_path, None) == ["the leaf is outside the taxonomy root (taxonomy)"]


def test_leaf_at_the_top_of_a_branch_is_reported(haiku_project: Path) -> None:
    top = haiku_project / "taxonomy" / "knowledge"
    top.mkdir()
    (top / "qna.yaml").write_text("- x\n")
    (top / "attribution.txt").write_text("x\n")
    branch = [d for d in rulecheck.findings(haiku_project) if d.rule == "leaf-branch"]
    assert [d.message for d in branch] == [
        "a leaf must be in a directory below knowledge/, not at its top"
    ]

"""`nested-leaf`: a leaf directory inside another leaf's directory."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import nested_leaf
from sampleleaves import HAIKU, HAIKU_DIR


def test_the_inner_leaf_names_its_nearest_outer_leaf(tmp_path: Path) -> None:
    for outer in ("compositional_skills/writing", "compositional_skills/writing/poetry"):
        rulecheck.subject(tmp_path, HAIKU, leaf_id=outer)
    (found,) = nested_leaf.check(rulecheck.subject(tmp_path, HAIKU))
    assert (found.line, found.col, found.level) == (1, 1, Level.WARNING)
    assert (
        found.message == "this leaf is nested inside the leaf compositional_skills/writing/poetry"
    )


def test_a_directory_holding_only_a_misnamed_file_is_no_leaf(tmp_path: Path) -> None:
    rulecheck.subject(tmp_path, HAIKU, leaf_id="compositional_skills/writing", name="qna.yml")
    assert nested_leaf.check(rulecheck.subject(tmp_path, HAIKU)) == []


def test_top_level_and_outside_leaves_are_not_checked(tmp_path: Path) -> None:
    assert nested_leaf.check(rulecheck.subject(tmp_path, HAIKU, leaf_id=None)) == []
    assert nested_leaf.check(rulecheck.subject(tmp_path, HAIKU, leaf_id=".")) == []


def test_nested_leaf_warns_on_the_inner_leaf_only(haiku_project: Path) -> None:
    outer = haiku_project / "taxonomy/compositional_skills/writing/poetry"
    (outer / "qna.yaml").write_text((haiku_project / HAIKU_DIR / "qna.yaml").read_text())
    (outer / "attribution.txt").write_text("x\n")
    found = rulecheck.findings(haiku_project)
    assert [(d.rule, d.path) for d in found] == [("nested-leaf", f"{HAIKU_DIR}/qna.yaml")]
    assert "compositional_skills/writing/poetry" in found[0].message

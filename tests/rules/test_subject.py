"""What a rule sees of a file, and how findings are made from it: located, softened for v1."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.diagnostics import Diagnostic, Level
from labtax.rules.subject import finding, softened
from sampleleaves import HAIKU, HAIKU_DIR


def test_only_a_version_1_leaf_is_legacy(tmp_path: Path) -> None:
    assert rulecheck.subject(tmp_path, HAIKU.replace("version: 3\n", "")).legacy
    assert not rulecheck.subject(tmp_path, HAIKU).legacy
    assert not rulecheck.subject(tmp_path, "a: [\n").legacy  # unknown version


def test_softened_turns_errors_into_warnings_for_legacy_leaves_only(tmp_path: Path) -> None:
    legacy = rulecheck.subject(tmp_path, HAIKU, version=1)
    current = rulecheck.subject(tmp_path, HAIKU, version=3)
    assert softened(legacy, Level.ERROR) is Level.WARNING
    assert softened(current, Level.ERROR) is Level.ERROR
    assert softened(current, Level.WARNING) is Level.WARNING


def test_a_finding_names_the_project_path_and_is_never_before_line_1_col_1(tmp_path: Path) -> None:
    subject = rulecheck.subject(tmp_path, HAIKU)
    made = finding(subject, (0, -3), Level.ERROR, "some-rule", "what", "how")
    assert made == Diagnostic(
        f"{HAIKU_DIR}/qna.yaml", 1, 1, Level.ERROR, "some-rule", "what", "how"
    )
    placed = finding(subject, (7, 9), Level.WARNING, "r", "m", "h")
    assert (placed.line, placed.col) == (7, 9)


def test_a_subject_outside_the_taxonomy_has_no_leaf_id(tmp_path: Path) -> None:
    subject = rulecheck.subject(tmp_path, HAIKU, leaf_id=None)
    assert subject.leaf_id is None
    assert subject.path == "elsewhere/qna.yaml"


def test_version_1_leaf_gets_hygiene_and_attribution_as_warnings(haiku_project: Path) -> None:
    leaf = haiku_project / HAIKU_DIR / "qna.yaml"
    leaf.write_text(leaf.read_text().replace("version: 3\n", "").replace("teapot.\n", "teapot. \n"))
    (haiku_project / HAIKU_DIR / "attribution.txt").unlink()
    found = rulecheck.located(rulecheck.findings(haiku_project))
    assert ("yaml-trailing-space", "warning", 4, 44) in found
    assert ("attribution", "warning", 1, 1) in found
    assert all(level == "warning" for _, level, _, _ in found)

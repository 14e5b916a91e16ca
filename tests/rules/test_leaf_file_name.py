"""`leaf-file-name`: YAML in the taxonomy must be named qna.yaml, or it is never read."""

from __future__ import annotations

from pathlib import Path

import pytest

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import leaf_file_name
from sampleleaves import HAIKU


@pytest.mark.parametrize("name", ["qna.yml", "QnA.yaml", "notes.yaml"])
def test_any_other_name_is_reported_once_at_the_top(tmp_path: Path, name: str) -> None:
    (found,) = leaf_file_name.check(rulecheck.subject(tmp_path, HAIKU, name=name))
    assert (found.rule, found.level, found.line, found.col) == ("leaf-file-name", Level.ERROR, 1, 1)
    assert found.message == f'leaf files must be named "qna.yaml"; "{name}" is never read as a leaf'


def test_qna_yaml_passes_whatever_it_holds(tmp_path: Path) -> None:
    assert leaf_file_name.check(rulecheck.subject(tmp_path, HAIKU)) == []
    assert leaf_file_name.check(rulecheck.subject(tmp_path, None)) == []

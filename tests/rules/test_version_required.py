"""`version-required`: a skill leaf added or changed against the base must be version 3."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import version_required
from sampleleaves import HAIKU


def _changed(root: Path, text: str, **options: object) -> list[tuple[int, int, Level, str]]:
    subject = dataclasses.replace(rulecheck.subject(root, text, **options), changed=True)  # type: ignore[arg-type]
    return [(d.line, d.col, d.level, d.message) for d in version_required.check(subject)]


def test_a_changed_skill_without_a_version_is_an_error(tmp_path: Path) -> None:
    assert _changed(tmp_path, HAIKU.replace("version: 3\n", "")) == [
        (
            1,
            1,
            Level.ERROR,
            "this skill leaf declares no version (read as 1), but leaves added or changed "
            "against the base must be version 3",
        )
    ]


def test_a_changed_version_2_skill_is_an_error_at_its_version(tmp_path: Path) -> None:
    ((line, col, level, message),) = _changed(tmp_path, HAIKU.replace("version: 3", "version: 2"))
    assert (line, col, level) == (1, 10, Level.ERROR)
    assert "is version 2" in message


def test_unchanged_current_knowledge_and_broken_leaves_pass(tmp_path: Path) -> None:
    unversioned = HAIKU.replace("version: 3\n", "")
    assert version_required.check(rulecheck.subject(tmp_path, unversioned)) == []
    assert _changed(tmp_path, HAIKU) == []
    # Knowledge below version 3 is already `version-unsupported`.
    assert _changed(tmp_path, "version: 2\ndomain: d\n", leaf_id=rulecheck.KNOWLEDGE_ID) == []
    assert _changed(tmp_path, "a: [\n") == []
    assert _changed(tmp_path, HAIKU.replace("version: 3", "version: 7")) == []

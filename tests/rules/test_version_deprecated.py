"""`version-deprecated`: a skill at format version 1 or 2 is accepted but outdated."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import version_deprecated
from sampleleaves import HAIKU


def test_a_version_2_skill_is_warned_at_its_version(tmp_path: Path) -> None:
    rest = HAIKU.split("created_by: labtax-tests\n", maxsplit=1)[1]
    text = "created_by: me\nversion: 2\n" + rest  # the version on line 2
    (found,) = version_deprecated.check(rulecheck.subject(tmp_path, text))
    assert (found.line, found.col, found.level) == (2, 10, Level.WARNING)
    assert found.message == "this skill leaf is version 2; version 3 is current"


def test_a_skill_without_a_version_is_version_1(tmp_path: Path) -> None:
    (found,) = version_deprecated.check(
        rulecheck.subject(tmp_path, HAIKU.replace("version: 3\n", ""))
    )
    assert (found.line, found.col) == (1, 1)
    assert found.message == "this skill leaf declares no version (1); version 3 is current"


def test_current_and_knowledge_leaves_pass(tmp_path: Path) -> None:
    assert version_deprecated.check(rulecheck.subject(tmp_path, HAIKU)) == []
    old_knowledge = "version: 2\ndomain: d\n"
    subject = rulecheck.subject(tmp_path, old_knowledge, leaf_id=rulecheck.KNOWLEDGE_ID)
    assert version_deprecated.check(subject) == []
    assert version_deprecated.check(rulecheck.subject(tmp_path, "a: [\n")) == []

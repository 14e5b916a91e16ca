"""`path-segment`: every directory on a leaf's path is [a-z0-9_]+."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import path_segment
from sampleleaves import HAIKU


def messages(root: Path, leaf_id: str | None) -> list[str]:
    found = path_segment.check(rulecheck.subject(root, HAIKU, leaf_id=leaf_id))
    assert all((d.line, d.col, d.level) == (1, 1, Level.ERROR) for d in found)
    return [d.message for d in found]


def test_every_bad_segment_is_named_in_one_finding(tmp_path: Path) -> None:
    assert messages(tmp_path, "compositional_skills/Writing/haiku-poems") == [
        'directory names "Writing", "haiku-poems" must match [a-z0-9_]+'
    ]
    assert messages(tmp_path, "knowledge/art history/x_1") == [
        'directory name "art history" must match [a-z0-9_]+'
    ]


def test_good_segments_and_leaves_without_an_id_pass(tmp_path: Path) -> None:
    assert messages(tmp_path, "compositional_skills/writing_2/haiku") == []
    assert messages(tmp_path, None) == []
    assert messages(tmp_path, ".") == []

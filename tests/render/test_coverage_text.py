"""The coverage tree for the terminal: totals per branch, status per leaf, problems listed."""

from __future__ import annotations

from labtax.coverage import LeafCoverage, build_tree
from labtax.render import coverage_text

POEMS = LeafCoverage(
    "compositional_skills/writing/poems", "t/p/qna.yaml", "freeform_skill", 5, 3, 1, "fresh"
)
STORIES = LeafCoverage(
    "compositional_skills/writing/stories", "t/s/qna.yaml", "freeform_skill", 3, 0, 0, "missing"
)
BROKEN = LeafCoverage(
    "knowledge/broken", "t/b/qna.yaml", None, 0, 0, 0, "invalid", "t/b/qna.yaml:2:1: not valid YAML"
)
GONE = LeafCoverage("knowledge/gone", "generated/knowledge/gone", "knowledge", 0, 7, 0, "orphaned")


def test_each_node_shows_its_totals_and_each_leaf_its_status() -> None:
    out = coverage_text.render(build_tree([POEMS, STORIES, BROKEN, GONE]), width=100)
    lines = out.splitlines()
    assert lines[0] == "taxonomy  3 leaves, 8 seeds, 3 kept, rejection 25.0%"
    assert any(
        line.endswith("writing  2 leaves, 8 seeds, 3 kept, rejection 25.0%") for line in lines
    )
    assert any(line.endswith("poems  5 seeds, 3 kept, rejection 25.0%  fresh") for line in lines)
    assert any(line.endswith("stories  3 seeds, 0 kept, rejection n/a  missing") for line in lines)
    assert any(line.endswith("gone  0 seeds, 7 kept, rejection 0.0%  orphaned") for line in lines)
    assert "3 leaves: 1 fresh, 1 missing, 1 invalid, 1 orphaned" in lines
    assert lines[-1] == "invalid: t/b/qna.yaml:2:1: not valid YAML"


def test_names_are_text_never_markup_or_escape_sequences() -> None:
    evil = LeafCoverage(
        "knowledge/[bold red]x\x1b[2J\u202e", "t/e/qna.yaml", "knowledge", 1, 0, 0, "missing"
    )
    out = coverage_text.render(build_tree([evil]), width=100)
    assert "[bold red]x\\u001b[2J\\u202e" in out
    assert "\x1b" not in out
    assert "\u202e" not in out


def test_colour_marks_statuses_only_when_asked_for() -> None:
    tree = build_tree([POEMS, STORIES])
    assert "\x1b[" not in coverage_text.render(tree)
    coloured = coverage_text.render(tree, color=True)
    assert "\x1b[32mfresh" in coloured
    assert "\x1b[31mmissing" in coloured


def test_an_empty_taxonomy() -> None:
    assert coverage_text.render(build_tree([])).splitlines() == [
        "taxonomy  0 leaves, 0 seeds, 0 kept, rejection n/a",
        "0 leaves: ",
    ]

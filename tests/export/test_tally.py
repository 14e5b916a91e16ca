"""The counts of a mix: totals per phase, a leaf's branch, the leaves that were not fresh."""

from __future__ import annotations

from labtax.export.recipe import Recipe
from labtax.export.tally import InputsState, LeafTally, MixSummary, PhaseTally


def leaf(name: str, state: str = "fresh") -> LeafTally:
    return LeafTally(name, "knowledge", "knowledge", state, 5, 2, 1, 3, 1)


def test_phase_totals_add_up_their_sources():
    phase = PhaseTally({"generated": 5, "replay:old": 2}, {"seed": 3}, {}, {"generated": 1})
    assert (phase.train_rows, phase.test_rows, phase.dropped_rows) == (7, 3, 1)


def test_a_leafs_branch_and_the_leaves_behind():
    fresh, stale, missing = (
        leaf("knowledge/a/b"),
        leaf("knowledge/c", "stale"),
        leaf("x", "missing"),
    )
    assert fresh.branch == "knowledge"
    assert missing.branch == "x"
    summary = MixSummary(
        "mix", Recipe(), {}, (fresh, stale, missing), (), {}, InputsState("", False), (), "0"
    )
    assert summary.behind == (stale, missing)

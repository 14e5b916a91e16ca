"""What `labtax export` prints: a line per phase, where the files are, what was not up to date."""

from __future__ import annotations

from labtax.export.recipe import Recipe
from labtax.export.tally import InputsState, LeafTally, MixSummary, PhaseTally
from labtax.render.export_text import summary


def test_the_summary_gives_each_phase_and_the_files():
    phases = {
        "knowledge": PhaseTally({"generated": 1200}, {"seed": 6}, {}, {}),
        "skills": PhaseTally(
            {"generated": 40, "knowledge_replay": 1200}, {"seed": 8}, {}, {"generated": 2}
        ),
    }
    leaves = (
        LeafTally("knowledge/a", "knowledge", "knowledge", "fresh", 1200, 1200, 0, 6, 0),
        LeafTally("skills/\x1b[31mb", "freeform_skill", "skills", "stale", 40, 0, 2, 8, 0),
    )
    text = summary(
        MixSummary(
            "out/mix", Recipe(), phases, leaves, (), {}, InputsState("", False), ("old/leaf",), "0"
        )
    )
    lines = text.splitlines()
    assert lines[0] == "exported the training mix to out/mix/"
    assert lines[1] == (
        "  knowledge train     1,200 rows (1,200 generated); test 6; dropped by decontamination 0"
    )
    assert "40 generated, 1,200 knowledge_replay" in lines[2]
    assert lines[2].endswith("dropped by decontamination 2")
    assert "recipe out/mix/recipe.yaml; card out/mix/README.md" in lines[3]
    assert "\x1b" not in text  # a leaf name cannot drive the terminal
    assert "not up to date (--allow-stale): skills/\\u001b[31mb (stale)" in text
    assert lines[-1] == "  not exported, no such leaf any more: old/leaf"

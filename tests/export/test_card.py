"""The dataset card: the header `datasets` reads, and what the mix holds and came from."""

from __future__ import annotations

from pathlib import Path

import yaml

import mixdata
from gitrepo import git
from labtax.config import load_config
from labtax.export import card, export_mix
from labtax.export.recipe import Recipe
from labtax.export.tally import InputsState, LeafTally, MixSummary, PhaseTally


def header(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_the_card_of_a_mix_names_its_configs_counts_and_provenance(mix_project):
    summary = export_mix(load_config(mix_project), mix_project / "mix", Recipe())
    text = (mix_project / "mix" / "README.md").read_text(encoding="utf-8")
    found = header(text)
    assert [c["config_name"] for c in found["configs"]] == ["knowledge", "skills"]
    assert found["configs"][0]["data_files"] == [
        {"split": "train", "path": "knowledge/train.jsonl"},
        {"split": "test", "path": "knowledge/test.jsonl"},
    ]
    assert [f["name"] for f in found["dataset_info"][1]["features"]] == [
        "form",
        "id",
        "kind",
        "leaf",
        "length",
        "messages",
        "source",
    ]
    assert "&id" not in text  # no YAML anchors: each config has its own features
    head = git(mix_project, "rev-parse", "HEAD").strip()
    assert f"- inputs: commit `{head}`\n" in text  # nothing uncommitted in the inputs
    assert f"- teacher: `{mixdata.TEACHER}`" in text
    assert f"`knowledge_qa` {'1' * 64}" in text
    assert "- labtax 0.1.0" in text
    water = next(t for t in summary.leaves if t.leaf == mixdata.WATER)
    assert (
        f"| `{mixdata.WATER}` | knowledge | fresh | {water.train} | {water.replayed} | "
        f"{water.test_seeds} | {water.test_generated} | 0 |"
    ) in text
    knowledge = summary.phases["knowledge"]
    assert f"| knowledge | {knowledge.train_rows} | {knowledge.test_rows} | 0 |" in text
    assert "| `knowledge` | 2 |" in text  # the branch row: two leaves


def test_uncommitted_inputs_and_no_repository_are_said(mix_project):
    (mix_project / "taxonomy" / mixdata.FREEFORM / "notes.txt").write_text("new\n")
    export_mix(load_config(mix_project), mix_project / "mix", Recipe())
    text = (mix_project / "mix" / "README.md").read_text(encoding="utf-8")
    assert "with changes not committed in the taxonomy or generated data" in text


def summary_of(**changes) -> MixSummary:
    phase = PhaseTally({"generated": 3}, {"seed": 2}, {"instruction": 3}, {})
    values = {
        "out": "mix",
        "recipe": Recipe(),
        "phases": {"knowledge": phase, "skills": phase},
        "leaves": (LeafTally("a/b|c`d", "freeform_skill", "skills", "stale", 3, 0, 1, 2, 0),),
        "teachers": (),
        "templates": {},
        "inputs": InputsState("", uncommitted=False),
        "orphaned": ("gone/leaf",),
        "labtax_version": "9.9",
    }
    values.update(changes)
    return MixSummary(**values)


def built_with(tmp_path: Path, empty: set[str]) -> Path:
    for phase in ("knowledge", "skills"):
        for split in ("train", "test"):
            path = tmp_path / phase / f"{split}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("" if f"{phase}/{split}" in empty else "{}\n")
    return tmp_path


def test_empty_splits_are_left_out_of_the_header(tmp_path):
    built = built_with(tmp_path, {"knowledge/train", "knowledge/test", "skills/train"})
    found = header(card.render(summary_of(), built))
    assert found["configs"] == [
        {"config_name": "skills", "data_files": [{"split": "test", "path": "skills/test.jsonl"}]}
    ]
    assert [i["config_name"] for i in found["dataset_info"]] == ["skills"]


def test_untrusted_names_stay_inside_their_table_cells(tmp_path):
    text = card.render(summary_of(), built_with(tmp_path, set()))
    assert "| ``a/b\\|c`d`` | freeform_skill | stale |" in text
    assert "- inputs: not a git repository" in text
    assert "- teacher: none" in text
    assert "the data of 1 leaf was not up to date: ``a/b\\|c`d`` (stale)" in text
    assert "data of leaves no longer in the taxonomy: `gone/leaf`" in text

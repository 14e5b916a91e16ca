"""A mix loads with the real `datasets` package, phase by phase, in the shape TRL's SFT trainer
takes; its test split is what `labtax eval` reads as held-out questions.

Offline: the `mix_project` fixture sets HF_DATASETS_OFFLINE and HF_HUB_OFFLINE and puts every
cache in tmp_path.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import types
from pathlib import Path
from typing import ClassVar

import pyarrow.parquet as pq

import mixdata
from labtax.cli import main
from labtax.config import load_config
from labtax.evaluation.questions import load_held_out
from labtax.export import export_mix
from labtax.export.recipe import Recipe

COLUMNS = ["form", "id", "kind", "leaf", "length", "messages", "source"]


def load(out: Path, phase: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    datasets = importlib.import_module("datasets")
    datasets.disable_progress_bars()
    return datasets.load_dataset(str(out), phase, cache_dir=str(tmp_path / "hf-cache"))


def check_conversation(messages: list[dict], system: str) -> None:
    """TRL's conversational shape: {role, content} messages, an optional system message, then
    user and assistant turns in turn, ending with the assistant."""
    assert all(set(m) == {"role", "content"} and isinstance(m["content"], str) for m in messages)
    roles = [m["role"] for m in messages]
    if system:
        assert messages[0] == {"role": "system", "content": system}
        roles = roles[1:]
    assert roles == ["user", "assistant"] * (len(roles) // 2)
    assert roles


def test_each_phase_loads_by_its_config_name_in_the_trainers_shape(mix_project, tmp_path):
    out = mix_project / "mix"
    export_mix(load_config(mix_project), out, Recipe(system_prompt="Answer well."))
    for phase in ("knowledge", "skills"):
        loaded = load(out, phase, tmp_path)
        assert sorted(loaded) == ["test", "train"]
        for split in ("train", "test"):
            data = loaded[split]
            lines = (out / phase / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
            assert data.num_rows == len(lines) > 0
            assert data.column_names == COLUMNS
            assert all(column.null_count == 0 for column in data.data.table.columns)
            for row, line in zip(data, lines, strict=True):
                assert row == json.loads(line)
                check_conversation(row["messages"], "Answer well.")
    knowledge = load(out, "knowledge", tmp_path)["train"]
    assert set(knowledge["kind"]) == {"knowledge"}
    assert set(load(out, "skills", tmp_path)["train"]["source"]) == {
        "generated",
        "knowledge_replay",
    }


def test_the_parquet_copies_hold_the_same_rows_with_the_same_schema(mix_project, tmp_path):
    out = mix_project / "mix"
    export_mix(load_config(mix_project), out, Recipe(formats=("jsonl", "parquet")))
    schemas = set()
    for phase in ("knowledge", "skills"):
        for split in ("train", "test"):
            table = pq.read_table(out / phase / f"{split}.parquet")
            lines = (out / phase / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
            assert table.to_pylist() == [json.loads(line) for line in lines]
            schemas.add(str(table.schema))
    assert len(schemas) == 1


def test_an_empty_split_is_left_out_of_the_card_so_the_phase_still_loads(mix_project, tmp_path):
    config = load_config(mix_project)
    for leaf in (mixdata.WATER, mixdata.PRESS):
        mixdata.write_data(config, leaf, [])
    out = mix_project / "mix"
    export_mix(config, out, Recipe())
    assert (out / "knowledge" / "train.jsonl").read_text() == ""
    knowledge = load(out, "knowledge", tmp_path)
    assert sorted(knowledge) == ["test"]  # the seeds are still held out
    assert {r["source"] for r in knowledge["test"]} == {"seed"}


def test_labtax_eval_reads_the_test_split_as_held_out_questions(mix_project):
    out = mix_project / "mix"
    export_mix(load_config(mix_project), out, Recipe(test_fraction=0.2))
    held = load_held_out(out, "mix")
    assert sorted(held) == sorted(mixdata.LEAVES)
    water = held[mixdata.WATER]
    generated = [
        json.loads(line)
        for line in (out / "knowledge" / "test.jsonl").read_text().splitlines()
        if json.loads(line)["leaf"] == mixdata.WATER
    ]
    assert len(water) == len(generated)
    asked = {q.question for q in water}
    assert {r["messages"][1]["content"] for r in generated} == asked  # closed book questions


class _Trainer:
    """TRL's SFTTrainer as the README's loop calls it, recording each step."""

    steps: ClassVar[list[tuple[str, int, int | None]]] = []

    def __init__(self, *, model, train_dataset, eval_dataset, args):  # type: ignore[no-untyped-def]
        assert train_dataset.column_names == ["messages"]
        self.record = (args["output_dir"], len(train_dataset), eval_dataset and len(eval_dataset))

    def train(self) -> None:
        _Trainer.steps.append(self.record)

    def save_model(self) -> None:
        pass


def run_readme_training_loop(monkeypatch, root: Path) -> list[tuple[str, int, int | None]]:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Training on the phases in order") :]
    start = section.index("```python\n") + len("```python\n")
    code = section[start : section.index("\n```", start)]
    trl = types.ModuleType("trl")
    trl.SFTConfig = dict  # type: ignore[attr-defined]
    trl.SFTTrainer = _Trainer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "trl", trl)
    monkeypatch.chdir(root)
    _Trainer.steps = []
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - the README's own example
    return _Trainer.steps


def test_the_readme_training_loop_runs_on_a_mix(mix_project, monkeypatch):
    summary = export_mix(load_config(mix_project), mix_project / "reports" / "mix", Recipe())
    steps = run_readme_training_loop(monkeypatch, mix_project)
    knowledge, skills = summary.phases["knowledge"], summary.phases["skills"]
    names = [name for name, _, _ in steps]
    assert names == ["student-knowledge-short", "student-knowledge-long", "student-skills"]
    assert sum(n for name, n, _ in steps if "knowledge" in name) == knowledge.train_rows
    assert steps[-1] == ("student-skills", skills.train_rows, skills.test_rows)


def test_a_mix_without_knowledge_has_no_knowledge_config_and_the_readme_loop_trains_skills(
    mix_project, monkeypatch, capsys
):
    for leaf in (mixdata.WATER, mixdata.PRESS):
        shutil.rmtree(mix_project / "taxonomy" / leaf)
        shutil.rmtree(mix_project / "generated" / leaf)
    assert main(["export", "reports/mix"]) == 0
    out = capsys.readouterr().out
    assert "no rows: the card declares no knowledge config" in out
    card = (mix_project / "reports" / "mix" / "README.md").read_text(encoding="utf-8")
    assert "not declared in the header (`datasets` loads no empty split): knowledge train" in card
    steps = run_readme_training_loop(monkeypatch, mix_project)
    assert [name for name, _, _ in steps] == ["student-skills"]

"""Outside datasets replayed into a mix: loaded with `datasets`, drawn at the recipe's ratio,
checked row by row, decontaminated like the rest."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labtax.config import load_config
from labtax.errors import LabtaxError, Location
from labtax.export import export_mix, replay
from labtax.export.recipe import Recipe, ReplaySource


def conversation(i: int, *, system: bool = False) -> dict:
    messages = [{"role": "system", "content": "old prompt"}] if system else []
    messages += [
        {"role": "user", "content": f"Old question number {i} about topic {i * 7}?"},
        {"role": "assistant", "content": f"Old answer {i}."},
    ]
    return {"messages": messages, "id": f"old-{i}", "extra": i}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def source(path: Path, **ratios: float) -> ReplaySource:
    return ReplaySource(
        "old", path, {"knowledge": 0.0, "skills": 0.0, **ratios}, Location("r.yaml", 4, 3)
    )


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in {
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(tmp_path / "hf-home"),
    }.items():
        monkeypatch.setenv(name, value)
    return tmp_path / "cache"


def drawn(path: Path, wanted: int, offline: Path, *, seed: int = 1) -> list[tuple[str, int, int]]:
    rows = replay.load(path, path.name, offline)
    return [
        (row.id, copies, number)
        for row, copies, number in replay.draw(
            rows, source(path, skills=1), "skills", wanted, seed=seed, shown=path.name
        )
    ]


def test_exactly_the_wanted_rows_are_drawn_seeded(tmp_path, offline):
    path = write_jsonl(tmp_path / "old.jsonl", [conversation(i) for i in range(50)])
    some = drawn(path, 12, offline)
    assert sum(copies for _, copies, _ in some) == 12
    assert all(copies == 1 for _, copies, _ in some)
    assert some == drawn(path, 12, offline)
    assert some != drawn(path, 12, offline, seed=2)
    more = drawn(path, 120, offline)  # two whole rounds and 20 more
    assert sum(copies for _, copies, _ in more) == 120
    assert sorted({copies for _, copies, _ in more}) == [2, 3]
    assert drawn(path, 0, offline) == []


def test_a_row_keeps_its_id_and_turns_and_loses_its_system_message(offline):
    row = replay.conversation(conversation(3, system=True)["messages"], "own-id", "old", "f", 1)
    assert (row.leaf, row.kind, row.form, row.source, row.id) == (
        "",
        "replay",
        "conversation",
        "replay:old",
        "own-id",
    )
    assert row.turns == (
        ("user", "Old question number 3 about topic 21?"),
        ("assistant", "Old answer 3."),
    )
    hashed = replay.conversation(conversation(3)["messages"], None, "old", "f", 1)
    assert len(hashed.id) == 16


@pytest.mark.parametrize(
    ("messages", "match"),
    [
        ("hello", "`messages` must be a non-empty list"),
        ([], "`messages` must be a non-empty list"),
        (["hello"], "message 1 is not"),
        ([{"role": "user", "content": None}], "message 1 needs a text role and content"),
        ([{"role": "user", "content": "q"}], "the turns are user, not user and assistant"),
        (
            [{"role": "assistant", "content": "a"}, {"role": "user", "content": "q"}],
            "the turns are assistant, user",
        ),
    ],
)
def test_a_row_that_is_not_a_conversation_is_an_error_naming_the_file_and_row(messages, match):
    with pytest.raises(LabtaxError, match=re.escape(f"row 7: {match}")) as caught:
        replay.conversation(messages, None, "old", "data/old.jsonl", 7)
    assert str(caught.value.location) == "data/old.jsonl"


def test_a_file_without_messages_or_unreadable_is_an_error(tmp_path, offline):
    path = write_jsonl(tmp_path / "plain.jsonl", [{"text": "hello"}])
    with pytest.raises(LabtaxError, match="row 1: no `messages` column"):
        drawn(path, 1, offline)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"messages": [\n', encoding="utf-8")
    with pytest.raises(LabtaxError, match="cannot load the replay file") as caught:
        replay.load(broken, "broken.jsonl", offline)
    assert str(caught.value.location) == "broken.jsonl"


def test_a_previous_mix_replays_its_phase_and_parquet_files_load_too(tmp_path, offline):
    mix = tmp_path / "previous"
    write_jsonl(mix / "skills" / "train.jsonl", [conversation(i) for i in range(5)])
    assert replay.source_file(source(mix, skills=1), "skills") == mix / "skills" / "train.jsonl"
    with pytest.raises(LabtaxError, match=r"without knowledge/train\.jsonl") as caught:
        replay.source_file(source(mix, knowledge=1), "knowledge")
    assert str(caught.value.location) == "r.yaml:4:3"
    table = pa.Table.from_pylist([{"messages": conversation(i)["messages"]} for i in range(4)])
    pq.write_table(table, tmp_path / "old.parquet")
    assert len(drawn(tmp_path / "old.parquet", 4, offline)) == 4
    text = tmp_path / "old.csv"
    text.write_text("a,b\n")
    with pytest.raises(LabtaxError, match="not JSONL or Parquet"):
        replay.source_file(source(text, skills=1), "skills")


def test_a_mix_replays_outside_rows_at_their_ratio_and_decontaminates_them(mix_project, tmp_path):
    rows = [conversation(i) for i in range(40)]
    # A row asking a seed question of the freeform leaf: it must not train.
    rows.append(
        {
            "messages": [
                {"role": "user", "content": "What has keys but cannot open locks?"},
                {"role": "assistant", "content": "A piano."},
            ]
        }
    )
    path = write_jsonl(tmp_path / "old.jsonl", rows)
    recipe = Recipe(
        knowledge_replay=0.0,
        replay=(ReplaySource("old", path, {"knowledge": 0.0, "skills": 2.0}, Location("r")),),
    )
    summary = export_mix(load_config(mix_project), mix_project / "mix", recipe)
    skills = summary.phases["skills"]
    generated = skills.train["generated"]
    assert skills.train["replay:old"] + skills.dropped.get("replay:old", 0) == 2 * generated
    trained = [
        json.loads(line)
        for line in (mix_project / "mix" / "skills" / "train.jsonl").read_text().splitlines()
    ]
    replayed = [r for r in trained if r["source"] == "replay:old"]
    assert len(replayed) == skills.train["replay:old"]
    assert all(r["messages"][0]["role"] == "system" for r in replayed)
    assert all(
        r["messages"][1]["content"] != "What has keys but cannot open locks?" for r in replayed
    )
    assert {(r["leaf"], r["kind"], r["form"]) for r in replayed} == {("", "replay", "conversation")}
    assert "replay:old" not in summary.phases["knowledge"].train


def test_an_empty_source_cannot_give_the_rows_asked_for(mix_project, tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("", encoding="utf-8")
    recipe = Recipe(replay=(source(path, skills=0.5),))
    with pytest.raises(LabtaxError, match="has no rows to replay into skills") as caught:
        export_mix(load_config(mix_project), mix_project / "mix", recipe)
    assert str(caught.value.location) == "r.yaml:4:3"


def test_replaying_a_previous_mix_puts_no_held_out_question_in_train(mix_project):
    """The audit's case: a mix exported with another split, replayed into the next one."""
    config = load_config(mix_project)
    export_mix(config, mix_project / "prev", Recipe(seed=7, test_fraction=0.3))
    ratios = {"knowledge": 1.0, "skills": 1.0}
    previous = ReplaySource("prev", mix_project / "prev", ratios, Location("r.yaml", 2, 3))
    summary = export_mix(config, mix_project / "mix", Recipe(replay=(previous,)))
    for phase in ("knowledge", "skills"):
        test = [json.loads(line) for line in (mix_project / "mix" / phase / "test.jsonl").open()]
        ids = {r["id"] for r in test}
        questions = {r["messages"][1]["content"] for r in test}
        for line in (mix_project / "mix" / phase / "train.jsonl").open():
            row = json.loads(line)
            turn = row["messages"][1]["content"]
            assert row["id"] not in ids, (phase, row["source"], row["form"])
            assert not any(q in turn for q in questions), (phase, row["source"], row["form"])
    dropped = summary.phases["knowledge"].dropped
    assert dropped.get("replay:prev", 0) > 0  # counted like other decontamination drops


def test_an_outside_row_ending_with_or_holding_a_test_question_is_dropped(mix_project, tmp_path):
    config = load_config(mix_project)
    export_mix(config, mix_project / "first", Recipe())
    seeds = [json.loads(line) for line in (mix_project / "first/skills/test.jsonl").open()]
    question = next(r["messages"][1]["content"] for r in seeds if r["form"] == "instruction")
    rows = [conversation(i) for i in range(20)]
    rows[0]["messages"][0]["content"] = f"Some context.\n\n{question}"  # ends with it
    rows[1]["messages"][0]["content"] = f"Please answer: {question} Thanks."  # holds it
    path = write_jsonl(tmp_path / "outside.jsonl", rows)
    summary = export_mix(config, mix_project / "mix", Recipe(replay=(source(path, skills=2.0),)))
    turns = [
        json.loads(line)["messages"][1]["content"]
        for line in (mix_project / "mix/skills/train.jsonl").open()
    ]
    assert not any(question in turn for turn in turns)
    assert summary.phases["skills"].dropped["replay:old"] >= 2

"""The one writer: deterministic bytes, atomic leaves, and data the one reader reads back."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from labtax.config import load_config
from labtax.dataset import reader, store, writer
from labtax.dataset.records import (
    FILES,
    Call,
    DocumentUse,
    Manifest,
    Provenance,
    Rejection,
    Sample,
    SampleCounts,
    StageSettings,
    TeacherParams,
    Volume,
)
from labtax.usage import Usage

KEY = "0123456789abcdef" * 4  # a response-cache key


def manifest(leaf: str = "a/b", inputs_hash: str = "h1", cost: float | None = None) -> Manifest:
    return Manifest(
        leaf=leaf,
        kind="grounded_skill",
        inputs_hash=inputs_hash,
        labtax_version="0.1.0",
        teacher=TeacherParams("m", 0.7, 1024, 42, 10),
        templates={"skill_answer": "abc", "pair_rating": "def"},
        counts=SampleCounts(3, 2, 1, {"low_score": 1}),
        usage=Usage(
            calls=5, prompt_tokens=100, completion_tokens=50, cost_usd=cost, cached_prompt_tokens=30
        ),
        volume=Volume(10, 2, 1, "kept 2 of 10 samples after 1 round"),
        stages={"skill_answer": StageSettings(0.7, 1024), "pair_rating": StageSettings(0.0, 256)},
    )


def grounded(
    leaf: str, context: str, question: str, answer: str, score: int, *calls: str
) -> Sample:
    made = Provenance(tuple(Call(stage, KEY) for stage in calls or ("skill_answer",)))
    return Sample(leaf, "grounded_skill", "grounded", context, question, answer, score, made)


def records_of(leaf: str = "a/b") -> tuple[list[Sample], list[Rejection]]:
    kept = [
        grounded(leaf, "The memo.", "Zebra question?", "Answer z.", 3),
        grounded(leaf, "a context", "Apple question?", "Answer ä.", 2, "grounded_contexts", "x"),
    ]
    rejected = [kept[0].reject("pair_rating", "low_score", "weak")]
    return kept, rejected


def test_write_leaf_is_sorted_and_deterministic(tmp_path: Path) -> None:
    kept, rejected = records_of()
    first, second = tmp_path / "one", tmp_path / "two"
    writer.write_leaf(first, kept, rejected, manifest())
    writer.write_leaf(second, list(reversed(kept)), rejected, manifest())
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes()
    lines = (first / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert ids == sorted(ids)
    assert "Answer ä." in lines[0] + lines[1]  # UTF-8 kept, not \u-escaped
    assert not list(first.glob(".*.tmp"))


def test_the_manifest_bytes_are_the_documented_format(tmp_path: Path) -> None:
    kept, rejected = records_of()
    written = writer.write_leaf(tmp_path, kept, rejected, manifest(cost=0.0125))
    samples = (tmp_path / "samples.jsonl").read_bytes()
    rejections = (tmp_path / "rejected.jsonl").read_bytes()
    assert (tmp_path / "manifest.json").read_text(encoding="utf-8") == (
        "{\n"
        '  "counts": {\n'
        '    "candidates": 3,\n'
        '    "kept": 2,\n'
        '    "rejected": 1,\n'
        '    "rejected_by_reason": {\n'
        '      "low_score": 1\n'
        "    }\n"
        "  },\n"
        '  "documents": [],\n'
        '  "files": {\n'
        f'    "rejected.jsonl": "{writer.digest(rejections)}",\n'
        f'    "samples.jsonl": "{writer.digest(samples)}"\n'
        "  },\n"
        '  "format": 2,\n'
        '  "inputs_hash": "h1",\n'
        '  "kind": "grounded_skill",\n'
        '  "labtax_version": "0.1.0",\n'
        '  "leaf": "a/b",\n'
        '  "stages": {\n'
        '    "pair_rating": {\n'
        '      "max_tokens": 256,\n'
        '      "temperature": 0.0\n'
        "    },\n"
        '    "skill_answer": {\n'
        '      "max_tokens": 1024,\n'
        '      "temperature": 0.7\n'
        "    }\n"
        "  },\n"
        '  "teacher": {\n'
        '    "max_tokens": 1024,\n'
        '    "model": "m",\n'
        '    "samples_per_leaf": 10,\n'
        '    "seed": 42,\n'
        '    "temperature": 0.7\n'
        "  },\n"
        '  "templates": {\n'
        '    "pair_rating": "def",\n'
        '    "skill_answer": "abc"\n'
        "  },\n"
        '  "usage": {\n'
        '    "cached_prompt_tokens": 30,\n'
        '    "calls": 5,\n'
        '    "completion_tokens": 50,\n'
        '    "cost_usd": 0.0125,\n'
        '    "prompt_tokens": 100\n'
        "  },\n"
        '  "volume": {\n'
        '    "kept": 2,\n'
        '    "rounds": 1,\n'
        '    "shortfall": "kept 2 of 10 samples after 1 round",\n'
        '    "target": 10\n'
        "  }\n"
        "}\n"
    )
    assert written.files == {
        "rejected.jsonl": writer.digest(rejections),
        "samples.jsonl": writer.digest(samples),
    }


def test_cached_calls_are_not_stored(tmp_path: Path) -> None:
    kept, rejected = records_of()
    with_cache = replace(manifest(), usage=Usage(5, 7, 100, 50, None, 30))
    writer.write_leaf(tmp_path / "a", kept, rejected, with_cache)
    writer.write_leaf(tmp_path / "b", kept, rejected, manifest())
    written = (tmp_path / "a/manifest.json").read_bytes()
    assert written == (tmp_path / "b/manifest.json").read_bytes()


def test_what_is_written_reads_back_as_the_same_records(tmp_path: Path) -> None:
    kept, rejected = records_of()
    question_only = grounded("a/b", "The memo.", "Unanswered?", "", 0).reject(
        "skill_answer", "empty_answer", "  no\nanswer  "
    )
    rejected.append(question_only)
    written = writer.write_leaf(tmp_path, kept, rejected, manifest(cost=0.5))
    loaded = store.read_leaf_dataset(tmp_path, "a/b")
    assert loaded.manifest == written
    assert loaded.samples == tuple(sorted(kept, key=lambda s: s.id))
    assert loaded.rejected == tuple(sorted(rejected, key=Rejection.sort_key))
    assert question_only.detail == "no answer"
    # Writing what was read gives the same bytes: nothing is lost or changed on the way.
    again = tmp_path / "again"
    writer.write_leaf(again, loaded.samples, loaded.rejected, loaded.manifest)
    for name in FILES:
        assert (again / name).read_bytes() == (tmp_path / name).read_bytes()


def test_write_leaf_failure_leaves_the_old_data_intact(tmp_path: Path, monkeypatch) -> None:
    kept, rejected = records_of()
    directory = tmp_path / "leaf"
    writer.write_leaf(directory, kept, rejected, manifest())
    before = {n: (directory / n).read_bytes() for n in FILES}
    calls = {"n": 0}
    real = writer.write_temp

    def failing(directory_: Path, name: str, data: bytes, *, sync: bool = True) -> Path:
        calls["n"] += 1
        if calls["n"] == 3:  # the manifest's temp file: the disk is full
            raise OSError(28, "No space left on device")
        return real(directory_, name, data, sync=sync)

    monkeypatch.setattr(writer, "write_temp", failing)
    with pytest.raises(OSError, match="No space"):
        writer.write_leaf(directory, kept[:1], [], manifest(inputs_hash="h2"))
    assert {n: (directory / n).read_bytes() for n in FILES} == before
    assert not list(directory.glob(".*.tmp"))
    # Temporary files a killed run left behind are cleared by the next write of the leaf.
    (directory / ".samples.jsonl.abc123.tmp").write_bytes(b"torn")
    monkeypatch.setattr(writer, "write_temp", real)
    writer.write_leaf(directory, kept, rejected, manifest())
    assert sorted(p.name for p in directory.iterdir()) == sorted(FILES)


def test_copy_leaf_copies_the_three_files_and_nothing_else(tmp_path: Path) -> None:
    kept, rejected = records_of()
    source, target = tmp_path / "shard" / "a" / "b", tmp_path / "generated" / "a" / "b"
    writer.write_leaf(source, kept, rejected, manifest())
    (source / "c").mkdir()  # a nested leaf is a leaf of its own
    writer.copy_leaf(source, target)
    assert sorted(p.name for p in target.iterdir()) == sorted(FILES)
    assert all((target / n).read_bytes() == (source / n).read_bytes() for n in FILES)


def test_copy_leaf_failure_leaves_the_old_data_intact(tmp_path: Path) -> None:
    kept, rejected = records_of()
    source, target = tmp_path / "shard", tmp_path / "generated"
    writer.write_leaf(target, kept, rejected, manifest())
    before = {n: (target / n).read_bytes() for n in FILES}
    writer.write_leaf(source, kept[:1], [], manifest(inputs_hash="h2"))
    (source / "manifest.json").unlink()  # a torn shard: nothing of it may land
    with pytest.raises(FileNotFoundError):
        writer.copy_leaf(source, target)
    assert {n: (target / n).read_bytes() for n in FILES} == before
    assert not list(target.glob(".*.tmp"))


def test_move_and_remove_leaf(repo: Path) -> None:
    config = load_config(repo)
    kept, rejected = records_of("old/place")
    writer.write_leaf(store.leaf_dir(config, "old/place"), kept, rejected, manifest("old/place"))
    assert store.stored_leaf_ids(config) == ["old/place"]
    # Data of another kind is not carried: its samples' forms belong to their own kind.
    assert not writer.move_leaf(config, "old/place", "new/spot", "freeform_skill")
    assert store.stored_leaf_ids(config) == ["old/place"]
    assert writer.move_leaf(config, "old/place", "new/spot", "grounded_skill")
    assert store.stored_leaf_ids(config) == ["new/spot"]
    assert not (config.generated / "old").exists()  # emptied parents are pruned
    moved = store.read_leaf(config, "new/spot")
    assert moved.manifest is not None
    assert (moved.manifest.leaf, moved.manifest.kind) == ("new/spot", "grounded_skill")
    assert {(s.leaf, s.kind) for s in moved.samples} == {("new/spot", "grounded_skill")}
    assert (
        {s.id for s in moved.samples}
        == {replace(s, leaf="new/spot").id for s in kept}
        != {s.id for s in kept}
    )
    assert {s.content: s.provenance for s in moved.samples} == {
        s.content: s.provenance for s in kept
    }
    assert [(r.stage, r.reason, r.detail) for r in moved.rejected] == [
        ("pair_rating", "low_score", "weak")
    ]
    assert not writer.move_leaf(config, "old/place", "x/y", "freeform_skill")
    assert writer.remove_leaf(config, "new/spot")
    assert store.stored_leaf_ids(config) == []
    assert not writer.remove_leaf(config, "new/spot")


def test_moving_damaged_data_is_a_located_error(repo: Path) -> None:
    config = load_config(repo)
    kept, rejected = records_of("old/place")
    directory = store.leaf_dir(config, "old/place")
    writer.write_leaf(directory, kept, rejected, manifest("old/place"))
    (directory / "samples.jsonl").write_bytes(b"{broken\n")
    with pytest.raises(reader.DamagedData) as caught:
        writer.move_leaf(config, "old/place", "new/spot", "grounded_skill")
    assert str(caught.value.location) == "generated/old/place/samples.jsonl:1:2"
    assert store.stored_leaf_ids(config) == ["old/place"]  # nothing was moved


def test_a_sample_line_is_the_documented_record(tmp_path: Path) -> None:
    made = Provenance(
        (Call("knowledge_qa", KEY), Call("faithfulness", "f" * 64)), document="doc.md", chunk=3
    )
    kept = Sample("knowledge/k", "knowledge", "knowledge_qa", "The chunk.", "Q?", "A.", 3, made)
    knowledge = replace(
        manifest("knowledge/k"),
        kind="knowledge",
        documents=(DocumentUse("doc.md", 4, 1), DocumentUse("a.md", 2, 0)),
    )
    writer.write_leaf(tmp_path, [kept], [kept.reject("filter", "pii", "x")], knowledge)
    line = (tmp_path / "samples.jsonl").read_text(encoding="utf-8")
    assert json.loads(line) == {
        "answer": "A.",
        "context": "The chunk.",
        "form": "knowledge_qa",
        "id": kept.id,
        "kind": "knowledge",
        "leaf": "knowledge/k",
        "messages": [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}],
        "provenance": {
            "calls": [
                {"request": KEY, "stage": "knowledge_qa"},
                {"request": "f" * 64, "stage": "faithfulness"},
            ],
            "chunk": 3,
            "document": "doc.md",
            "round": 1,
        },
        "question": "Q?",
        "score": 3,
    }
    assert line == json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False) + "\n"
    rejection = json.loads((tmp_path / "rejected.jsonl").read_text(encoding="utf-8"))
    assert rejection == {**json.loads(line), "stage": "filter", "reason": "pii", "detail": "x"}
    written = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert written["documents"] == [
        {"chunks": 2, "kept": 0, "path": "a.md"},
        {"chunks": 4, "kept": 1, "path": "doc.md"},
    ]


def test_a_grounded_user_turn_carries_its_context(tmp_path: Path) -> None:
    kept, _ = records_of()
    writer.write_leaf(tmp_path, kept, [], manifest())
    for line in (tmp_path / "samples.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        user, assistant = record["messages"]
        assert user["content"] == record["context"] + "\n\n" + record["question"]
        assert assistant["content"] == record["answer"]

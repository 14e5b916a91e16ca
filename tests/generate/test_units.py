"""Samples, parsing, the dataset files and documents, one at a time."""

from __future__ import annotations

import asyncio
import json

import pytest

from labtax import dataset, documents
from labtax.config import load_config
from labtax.dataset import records
from labtax.dataset.records import Rejection, Sample
from labtax.errors import LabtaxError
from labtax.util import CHARS_PER_TOKEN

# --- samples ---------------------------------------------------------------------------------


def test_sample_id_is_a_content_hash():
    a = Sample("x/y", "freeform_skill", None, "Q?", "A.", 3)
    assert a.id == Sample("x/y", "freeform_skill", None, "Q?", "A.", 2).id
    assert a.id != Sample("x/z", "freeform_skill", None, "Q?", "A.", 3).id
    assert a.id != Sample("x/y", "freeform_skill", "ctx", "Q?", "A.", 3).id
    assert len(a.id) == 16
    assert a.id == records.sample_id("x/y", None, "Q?", "A.")


def test_sample_and_rejection_round_trip_through_json():
    sample = Sample("k/l", "knowledge", "doc", "Q?", "A.", None)
    record = sample.to_json()
    assert record["messages"] == [
        {"role": "user", "content": "Q?"},
        {"role": "assistant", "content": "A."},
    ]
    assert records.sample_from_json(json.loads(json.dumps(record))) == sample
    rejection = sample.reject("faithfulness", "unfaithful", "adds   a\nfact")
    assert rejection.detail == "adds a fact"
    back = records.rejection_from_json(rejection.to_json())
    assert back == rejection
    assert rejection.to_json()["stage"] == "faithfulness"


# --- dataset files ---------------------------------------------------------------------------


def _manifest(leaf: str = "a/b", inputs_hash: str = "h1") -> dataset.Manifest:
    return dataset.Manifest(
        leaf=leaf,
        kind="freeform_skill",
        inputs_hash=inputs_hash,
        labtax_version="0.1.0",
        teacher=dataset.TeacherParams("m", 0.7, 1024, 42, 10),
        templates={"skill_answer": "abc"},
        counts=dataset.Counts(3, 2, 1, {"low_score": 1}),
        usage=dataset.UsageRecord(5, 100, 50, None),
    )


def _records(leaf: str = "a/b") -> tuple[list[Sample], list[Rejection]]:
    kept = [
        Sample(leaf, "freeform_skill", None, "Zebra question?", "Answer z.", 3),
        Sample(leaf, "freeform_skill", None, "Apple question?", "Answer ä.", 2),
    ]
    rejected = [kept[0].reject("pair_rating", "low_score", "weak")]
    return kept, rejected


def test_write_leaf_is_sorted_deterministic_and_readable(tmp_path):
    kept, rejected = _records()
    first, second = tmp_path / "one", tmp_path / "two"
    dataset.write_leaf(first, kept, rejected, _manifest())
    dataset.write_leaf(second, list(reversed(kept)), rejected, _manifest())
    for name in dataset.FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes()
    lines = (first / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert ids == sorted(ids)
    assert "Answer ä." in lines[0] + lines[1]  # UTF-8 kept, not \u-escaped
    manifest_text = (first / "manifest.json").read_text(encoding="utf-8")
    assert manifest_text.endswith("}\n")
    assert "time" not in manifest_text
    loaded = dataset.read_leaf_dataset(first)
    assert loaded.manifest is not None
    assert loaded.manifest.counts.rejected_by_reason == {"low_score": 1}
    assert sorted(loaded.samples, key=lambda s: s.id) == sorted(kept, key=lambda s: s.id)
    assert loaded.rejected == tuple(rejected)
    assert not list(first.glob(".*.tmp"))


def test_write_leaf_failure_leaves_the_old_data_intact(tmp_path, monkeypatch):
    kept, rejected = _records()
    directory = tmp_path / "leaf"
    dataset.write_leaf(directory, kept, rejected, _manifest())
    before = {n: (directory / n).read_bytes() for n in dataset.FILES}
    calls = {"n": 0}
    real = dataset._write_temp

    def failing(directory_, name, data):
        calls["n"] += 1
        if calls["n"] == 3:  # the manifest's temp file: the disk is full
            raise OSError(28, "No space left on device")
        return real(directory_, name, data)

    monkeypatch.setattr(dataset, "_write_temp", failing)
    with pytest.raises(OSError, match="No space"):
        dataset.write_leaf(directory, kept[:1], [], _manifest(inputs_hash="h2"))
    assert {n: (directory / n).read_bytes() for n in dataset.FILES} == before
    assert not list(directory.glob(".*.tmp"))
    # Temporary files a killed run left behind are cleared by the next write of the leaf.
    (directory / ".samples.jsonl.abc123.tmp").write_bytes(b"torn")
    monkeypatch.setattr(dataset, "_write_temp", real)
    dataset.write_leaf(directory, kept, rejected, _manifest())
    assert sorted(p.name for p in directory.iterdir()) == sorted(dataset.FILES)


def test_half_replaced_leaf_reads_as_stale(repo, kit):
    kit.write(repo / "taxonomy/compositional_skills/a/qna.yaml", kit.freeform_yaml())
    config = load_config(repo)
    from labtax import inputs, leaves

    leaf = leaves.load_file(config, repo / "taxonomy/compositional_skills/a/qna.yaml")
    directory = dataset.leaf_dir(config, leaf.leaf_id)
    assert dataset.freshness(config, leaf) == "missing"
    kept, rejected = _records(leaf.leaf_id)
    dataset.write_leaf(
        directory, kept, rejected, _manifest(leaf.leaf_id, inputs.inputs_hash(config, leaf))
    )
    assert dataset.freshness(config, leaf) == "fresh"
    # A kill between renames: new samples next to the old manifest.
    (directory / "samples.jsonl").write_bytes(dataset.samples_bytes(kept[:1]))
    assert dataset.freshness(config, leaf) == "stale"
    dataset.write_leaf(directory, kept, rejected, _manifest(leaf.leaf_id, "other-inputs"))
    assert dataset.freshness(config, leaf) == "stale"
    (directory / "manifest.json").write_text("{not json", encoding="utf-8")
    assert dataset.freshness(config, leaf) == "stale"


def test_move_and_remove_leaf(repo):
    config = load_config(repo)
    kept, rejected = _records("old/place")
    dataset.write_leaf(
        dataset.leaf_dir(config, "old/place"), kept, rejected, _manifest("old/place")
    )
    assert dataset.stored_leaf_ids(config) == ["old/place"]
    assert dataset.move_leaf(config, "old/place", "new/spot", "freeform_skill")
    assert dataset.stored_leaf_ids(config) == ["new/spot"]
    assert not (config.generated / "old").exists()  # emptied parents are pruned
    moved = dataset.read_leaf_dataset(dataset.leaf_dir(config, "new/spot"))
    assert moved.manifest is not None
    assert moved.manifest.leaf == "new/spot"
    assert {s.leaf for s in moved.samples} == {"new/spot"}
    assert {s.id for s in moved.samples} == {
        Sample("new/spot", s.kind, s.context, s.question, s.answer).id for s in kept
    }
    assert dataset.files_match(dataset.leaf_dir(config, "new/spot"), moved.manifest)
    assert not dataset.move_leaf(config, "old/place", "x/y", "freeform_skill")
    assert dataset.remove_leaf(config, "new/spot")
    assert dataset.stored_leaf_ids(config) == []
    assert not dataset.remove_leaf(config, "new/spot")


def test_corrupt_jsonl_is_a_located_error(tmp_path):
    kept, rejected = _records()
    dataset.write_leaf(tmp_path, kept, rejected, _manifest())
    good = dataset.samples_bytes(kept[:1])
    for bad, line in ((b"[1, 2]\n", 2), (b'{"ok": 1}\n', 2), (b"\n{broken\n", 3)):
        (tmp_path / "samples.jsonl").write_bytes(good + bad)
        with pytest.raises(LabtaxError) as caught:
            dataset.read_leaf_dataset(tmp_path)
        assert caught.value.location is not None
        assert caught.value.location.line == line


# --- documents -------------------------------------------------------------------------------


def test_select_patterns():
    paths = ["a.md", "b.txt", "docs/c.md", "docs/deep/d.md", "e.MD"]
    assert documents.select(paths, ["*.md"]) == ["a.md"]
    assert documents.select(paths, ["**/*.md"]) == ["a.md", "docs/c.md", "docs/deep/d.md"]
    assert documents.select(paths, ["docs/*.md", "b.txt"]) == ["b.txt", "docs/c.md"]
    assert documents.select(paths, ["./a.md"]) == ["a.md"]
    assert documents.select(paths, ["[ab].*"]) == ["a.md", "b.txt"]


def test_chunks_pack_paragraphs_within_the_budget(kit):
    files = [
        documents.SourceFile("w.md", kit.WATER_DOC),
        documents.SourceFile("p.md", kit.PRESS_DOC),
    ]
    chunks = documents.chunk(files, 60)
    assert len(chunks) > 4
    assert all(len(c.text) <= 60 * CHARS_PER_TOKEN for c in chunks)
    assert {c.source for c in chunks} == {"w.md", "p.md"}
    # No text is lost or reordered, and no chunk spans two files.
    for source in files:
        own = [c.text for c in chunks if c.source == source.path]
        assert " ".join(" ".join(own).split()) == " ".join(source.text.split())
    whole = documents.chunk(files, 10_000)
    assert [c.source for c in whole] == ["w.md", "p.md"]
    long_paragraph = "word " * 2000
    parts = documents.chunk([documents.SourceFile("l.md", long_paragraph)], 100)
    assert all(len(c.text) <= 400 for c in parts)
    assert sum(len(c.text.split()) for c in parts) == 2000


def test_chunk_budget_bounds():
    assert documents.chunk_budget(8192, 1024, 2000) == documents.MAX_CHUNK_TOKENS
    assert documents.chunk_budget(4096, 1024, 2500) == 4096 - 1024 - 2500
    assert documents.chunk_budget(2048, 1024, 4000) == documents.MIN_CHUNK_TOKENS


def test_documents_from_a_pinned_file_repository_are_fetched_once(repo, kit, tmp_path, monkeypatch):
    docs = tmp_path / "docs-repo"
    commit = kit.make_docs_repo(docs)
    path = repo / "taxonomy/knowledge/history/press/qna.yaml"
    kit.write(path, kit.knowledge_yaml("history", kit.PRESS_DOC, docs.as_uri(), commit))
    monkeypatch.setenv("LABTAX_CACHE_DIR", str(tmp_path / "cache"))
    config = load_config(repo)
    from labtax import gitio, leaves

    leaf = leaves.load_file(config, path)
    files = asyncio.run(documents.DocumentStore(config).files(leaf))
    assert [f.path for f in files] == ["press.md"]
    assert "A later edit" not in files[0].text  # read at the pinned commit, not the branch tip
    assert files[0].text == kit.PRESS_DOC
    mirror = documents.mirror_path(config, docs.as_uri())
    assert gitio.has_commit(commit, cwd=mirror)
    # A second read must not touch the network: the source repository may even be gone.
    import shutil

    shutil.rmtree(docs)
    again = asyncio.run(documents.DocumentStore(config).files(leaf))
    assert again == files


def test_missing_documents_are_located_errors(repo, kit, tmp_path, monkeypatch):
    monkeypatch.setenv("LABTAX_CACHE_DIR", str(tmp_path / "cache"))
    path = repo / "taxonomy/knowledge/a/qna.yaml"
    kit.write(path, kit.knowledge_yaml("x", kit.WATER_DOC, "documents/none", "local"))
    config = load_config(repo)
    from labtax import leaves

    with pytest.raises(LabtaxError, match="does not exist") as caught:
        asyncio.run(documents.DocumentStore(config).files(leaves.load_file(config, path)))
    assert caught.value.location is not None
    assert caught.value.location.path.endswith("qna.yaml")
    assert caught.value.location.line > 0
    kit.write(path, kit.knowledge_yaml("x", kit.WATER_DOC, (tmp_path / "nope").as_uri(), "a" * 40))
    with pytest.raises(LabtaxError, match="cannot fetch"):
        asyncio.run(documents.DocumentStore(config).files(leaves.load_file(config, path)))
    for outside in (str(tmp_path / "elsewhere"), "../sibling", "ext::sh -c touch% /tmp/pwned"):
        kit.write(path, kit.knowledge_yaml("x", kit.WATER_DOC, outside, "a" * 40))
        with pytest.raises(LabtaxError, match=r"neither a git URL|does not exist") as refused:
            asyncio.run(documents.DocumentStore(config).files(leaves.load_file(config, path)))
        assert refused.value.location is not None
        assert refused.value.location.line > 0

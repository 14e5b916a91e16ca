"""Where leaf data is: one rule for directory trees and commits, and whole states loaded by it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import datafiles
from labtax.config import load_config
from labtax.dataset import store
from labtax.dataset.reader import DamagedData
from labtax.errors import LabtaxError

PAIRS = [("What is 2+2?", "4"), ("Capital of France?", "Paris")]


def tricky_tree(generated: Path, outside: Path) -> None:
    """Real leaves next to everything that must not count as one."""
    datafiles.write_leaf(generated, "knowledge/real", PAIRS)
    datafiles.write_leaf(generated, "knowledge/real/nested", [("q", "a")])
    datafiles.write_leaf(generated, "knowledge/.hidden", PAIRS)
    datafiles.write_leaf(generated, ".cache/knowledge/x", PAIRS)
    (generated / "knowledge/only_notes").mkdir(parents=True)
    (generated / "knowledge/only_notes/README.md").write_text("notes\n", encoding="utf-8")
    (generated / "samples.jsonl").write_text("", encoding="utf-8")  # no leaf at the root
    (generated / "knowledge/real/.samples.jsonl.abc.tmp").write_text("torn", encoding="utf-8")
    target = datafiles.write_leaf(outside, "knowledge/secret", PAIRS)
    (generated / "knowledge/linked").symlink_to(target, target_is_directory=True)
    (generated / "knowledge/file_links").mkdir()
    (generated / "knowledge/file_links/samples.jsonl").symlink_to(target / "samples.jsonl")
    (generated / "knowledge/file_links/manifest.json").symlink_to(target / "manifest.json")


EXPECTED = ["knowledge/real", "knowledge/real/nested"]


def test_a_directory_tree_and_a_commit_follow_the_same_rules(repo: Path) -> None:
    config = load_config(repo)
    tricky_tree(config.generated, repo.parent / "outside")
    assert store.leaf_ids(config.generated) == EXPECTED
    assert store.stored_leaf_ids(config) == EXPECTED
    worktree = store.load_worktree(config)
    assert sorted(worktree) == EXPECTED
    sha = datafiles.commit_all(repo, "data")
    committed = store.load_commit(config, sha)
    assert committed == worktree
    assert store.load_commit(config, "HEAD") == worktree


def test_a_missing_directory_is_an_empty_state(tmp_path: Path) -> None:
    assert store.leaf_ids(tmp_path / "nothing") == []
    assert store.load_directory(tmp_path / "nothing") == {}


def test_a_file_is_not_a_state(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(LabtaxError, match="not a directory"):
        store.load_directory(tmp_path / "file")


def test_damage_is_located_in_the_state_it_was_read_from(repo: Path) -> None:
    directory = datafiles.write_leaf(repo / "generated", "knowledge/a", PAIRS)
    (directory / "samples.jsonl").write_text('{"broken": \n', encoding="utf-8")
    sha = datafiles.commit_all(repo, "broken")
    config = load_config(repo)
    with pytest.raises(DamagedData) as in_tree:
        store.load_worktree(config)
    assert str(in_tree.value.location) == "generated/knowledge/a/samples.jsonl:1:12"
    with pytest.raises(DamagedData) as in_commit:
        store.load_commit(config, sha)
    assert str(in_commit.value.location) == f"{sha[:12]}:generated/knowledge/a/samples.jsonl:1:12"
    with pytest.raises(DamagedData) as in_directory:
        store.load_directory(repo / "generated", label="old")
    assert str(in_directory.value.location) == "old/knowledge/a/samples.jsonl:1:12"


def test_one_leaf_is_read_under_the_same_rules(repo: Path) -> None:
    config = load_config(repo)
    tricky_tree(config.generated, repo.parent / "outside")
    assert set(store.leaf_files(config, "knowledge/real")) == {
        "samples.jsonl",
        "rejected.jsonl",
        "manifest.json",
    }
    for leaf_id in ("knowledge/linked", "knowledge/file_links", "knowledge/.hidden", "nope/x"):
        assert store.leaf_files(config, leaf_id) == {}, leaf_id
        data = store.read_leaf(config, leaf_id)
        assert (data.manifest, data.samples, data.rejected) == (None, (), ()), leaf_id
    assert len(store.read_leaf(config, "knowledge/real").samples) == 2


def test_leaves_stream_one_at_a_time_in_the_order_asked(repo: Path, monkeypatch) -> None:
    config = load_config(repo)
    datafiles.write_leaf(config.generated, "knowledge/a", PAIRS)
    datafiles.write_leaf(config.generated, "knowledge/b", [("q", "a")])
    read: list[str] = []
    real = store.read_leaf

    def counted(config_, leaf_id):
        read.append(leaf_id)
        return real(config_, leaf_id)

    monkeypatch.setattr(store, "read_leaf", counted)
    stream = store.iter_leaves(config, ["knowledge/b", "knowledge/a", "knowledge/none"])
    first = next(stream)
    assert (first.leaf_id, len(first.samples), read) == ("knowledge/b", 1, ["knowledge/b"])
    rest = list(stream)
    assert [d.leaf_id for d in rest] == ["knowledge/a", "knowledge/none"]
    assert rest[1].manifest is None


def test_an_unreadable_file_is_a_located_error(repo: Path, monkeypatch) -> None:
    directory = datafiles.write_leaf(repo / "generated", "knowledge/a", PAIRS)
    assert directory == repo / "generated/knowledge/a"
    real_open = os.open

    def no_access(path: object, flags: int, *args: object) -> int:
        if str(path).endswith("samples.jsonl"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", no_access)
    with pytest.raises(LabtaxError, match="cannot read: Permission denied") as caught:
        store.read_leaf(load_config(repo), "knowledge/a")
    assert caught.value.location is not None
    assert caught.value.location.path == "generated/knowledge/a/samples.jsonl"
    with pytest.raises(LabtaxError, match="cannot read") as caught:
        store.load_directory(directory.parent.parent, label="new")
    assert str(caught.value.location) == "new/knowledge/a/samples.jsonl"


def test_an_unreadable_directory_is_a_located_error(repo: Path, monkeypatch) -> None:
    datafiles.write_leaf(repo / "generated", "knowledge/a", PAIRS)
    real_scandir = os.scandir

    def no_access(path: str) -> object:
        if path.endswith("knowledge"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", no_access)
    with pytest.raises(LabtaxError, match="cannot read: Permission denied") as caught:
        store.stored_leaf_ids(load_config(repo))
    assert caught.value.location is not None
    assert caught.value.location.path == "generated/knowledge"


@pytest.mark.parametrize("leaf_id", ["", "/abs", "a/../b", "a//b", "./a", ".."])
def test_leaf_dir_refuses_ids_that_leave_generated(repo: Path, leaf_id: str) -> None:
    with pytest.raises(LabtaxError, match="refusing"):
        store.leaf_dir(load_config(repo), leaf_id)


def test_the_old_side_of_a_diff_leaves_out_outdated_leaves_and_names_them(tmp_path: Path) -> None:
    import json

    old = datafiles.write_leaf(tmp_path / "old", "knowledge/a", PAIRS)
    other = datafiles.write_leaf(tmp_path / "old", "knowledge/b", PAIRS)
    manifest = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("format")  # as labtax wrote data format 1
    (old / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(DamagedData) as strict:
        store.load_directory(tmp_path / "old")
    assert strict.value.outdated
    base = store.load_base_directory(tmp_path / "old")
    assert sorted(base.leaves) == ["knowledge/b"]
    assert base.outdated == ("knowledge/a",)
    # Damage is still damage on the old side.
    (other / "samples.jsonl").write_text('{"broken": \n', encoding="utf-8")
    with pytest.raises(DamagedData) as damaged:
        store.load_base_directory(tmp_path / "old")
    assert not damaged.value.outdated

"""OUT is built aside and replaced whole; only an empty directory or a previous export is."""

from __future__ import annotations

import json
import os
import stat
import subprocess

import pyarrow.parquet as pq
import pytest

from labtax.config import load_config
from labtax.errors import LabtaxError
from labtax.export import output


def test_a_build_replaces_out_only_when_it_completes(data_project):
    out = data_project / "mixes" / "latest"
    with output.staging(out) as built:
        (built / "README.md").write_text(output.MARKER + "\n")
        output.replace(built, out)
    assert output.is_export(out)

    def half_built() -> None:
        with output.staging(out) as built:
            (built / "README.md").write_text("half\n")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        half_built()
    assert (out / "README.md").read_text() == output.MARKER + "\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["latest"]  # nothing left aside


def test_only_new_empty_or_exported_directories_may_be_replaced(data_project):
    config = load_config(data_project)
    output.check_out(config, data_project / "new")
    (data_project / "empty").mkdir()
    output.check_out(config, data_project / "empty")
    (data_project / "file").write_text("x")
    with pytest.raises(LabtaxError, match="not a directory"):
        output.check_out(config, data_project / "file")
    (data_project / "mine").mkdir()
    (data_project / "mine" / "README.md").write_text("# my notes\n")
    with pytest.raises(LabtaxError, match="not a labtax export") as caught:
        output.check_out(config, data_project / "mine")
    assert str(caught.value.location) == "mine"
    for protected in (data_project, data_project / "taxonomy", data_project / "generated" / "x"):
        with pytest.raises(LabtaxError, match="refusing"):
            output.check_out(config, protected)
    with pytest.raises(LabtaxError, match="refusing"):
        output.check_out(config, data_project.parent)  # a directory holding the project


def test_with_the_taxonomy_at_the_root_only_its_branches_are_protected(tmp_path):
    (tmp_path / "knowledge").mkdir()  # InstructLab's layout: the branches at the root
    config = load_config(tmp_path)
    assert config.taxonomy == tmp_path.resolve()
    output.check_out(config, tmp_path / "mixes" / "latest")
    with pytest.raises(LabtaxError, match="refusing"):
        output.check_out(config, tmp_path / "knowledge" / "mix")


def test_a_parquet_copy_holds_the_rows_of_the_jsonl_file(tmp_path):
    rows = [
        {
            "form": "instruction",
            "id": f"{i:016x}",
            "kind": "freeform_skill",
            "leaf": "a/b",
            "length": "short",
            "messages": [{"content": "q", "role": "user"}, {"content": "a", "role": "assistant"}],
            "source": "generated",
        }
        for i in range(20_000)
    ]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
    table = pq.read_table(output.parquet_copy(path))
    assert table.num_rows == 20_000
    assert table.slice(19_999).to_pylist() == rows[-1:]
    empty = tmp_path / "test.jsonl"
    empty.write_text("")
    assert pq.read_table(output.parquet_copy(empty)).schema == output.parquet_schema()


def test_a_previous_export_holding_foreign_files_is_refused_and_they_are_listed(data_project):
    config = load_config(data_project)
    out = data_project / "mix"
    for name in ("README.md", "knowledge/train.jsonl", "skills/test.parquet", "recipe.yaml"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(output.MARKER + "\n")
    output.check_out(config, out)  # only what an export writes
    (out / ".git").mkdir()
    (out / ".gitattributes").write_text("*.parquet filter=lfs\n")
    (out / "knowledge" / "notes.txt").write_text("mine\n")
    with pytest.raises(LabtaxError, match="did not write") as caught:
        output.check_out(config, out)
    assert ".git/, .gitattributes, knowledge/notes.txt" in caught.value.message
    assert "cp -r" in caught.value.hint
    assert (out / ".git").is_dir()


def test_the_mix_directory_follows_the_umask(data_project):
    out = data_project / "mixes" / "latest"
    previous = os.umask(0o022)
    try:
        with output.staging(out) as built:
            output.replace(built, out)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755


def test_directories_a_killed_export_left_beside_out_are_removed_by_the_next(data_project):
    out = data_project / "mixes" / "latest"
    out.parent.mkdir(parents=True)
    gone = _a_dead_pid()
    left = [
        out.parent / f".latest.labtax-{gone}.abcd_123",
        out.parent / f".latest.labtax-old-{gone}.zz000000",
    ]
    kept = [
        out.parent / f".latest.labtax-{os.getppid()}.abcd_123",  # a live export's
        out.parent / f".other.labtax-{gone}.abcd_123",  # beside another OUT
        out.parent / ".latest.notes",
    ]
    for path in left + kept:
        (path / "knowledge").mkdir(parents=True)
    with output.staging(out) as built:
        assert not any(p.exists() for p in left)
        assert all(p.exists() for p in kept)
        assert built.name.startswith(f".latest.labtax-{os.getpid()}.")


def _a_dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid

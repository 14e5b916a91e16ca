"""Sharded regeneration: the matrix, each shard's data packed, and the shards merged with every
check (no leaf twice, every leaf present and fresh) before anything is written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import projects
from labtax.cli import main


def _generate(*args: str) -> int:
    return main(["generate", *args])


@pytest.fixture
def shards(project: Path, in_process) -> tuple[dict[str, bytes], list[Path]]:
    """The data of a whole run, and the three shard directories three runners would upload (the
    project's four leaves hash to shards 1 and 2; the third is empty)."""
    assert _generate() == 0
    reference = projects.tree_bytes(project / "generated")
    packed = []
    for index in (1, 2, 3):
        shutil.rmtree(project / "generated", ignore_errors=True)
        assert _generate("--shard", f"{index}/3") == 0
        out = project.parent / f"shard-{index}"
        assert main(["pr", "shard-data", "--shard", f"{index}/3", "--out", str(out)]) == 0
        packed.append(out)
    shutil.rmtree(project / "generated", ignore_errors=True)
    return reference, packed


def test_the_matrix_lists_the_shards_for_the_workflow(tmp_path: Path, monkeypatch, capsys):
    output = tmp_path / "output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    assert main(["pr", "shard-matrix", "--count", "3"]) == 0
    assert output.read_text() == "shards=[1,2,3]\ncount=3\n"
    assert main(["pr", "shard-matrix", "--count", "0"]) == 2
    assert "between 1 and 256" in capsys.readouterr().err
    assert main(["pr", "shard-matrix", "--count", "256"]) == 0
    assert json.loads(output.read_text().splitlines()[-2].split("=", 1)[1])[-1] == 256


def test_merged_shards_equal_one_whole_run(project: Path, shards, capsys):
    reference, packed = shards
    # Every leaf went to exactly one shard.
    names = [set(projects.tree_bytes(d)) - {".labtax-shard"} for d in packed]
    assert [len(n) // 3 for n in names] == [1, 3, 0]
    assert not names[0] & names[1]
    capsys.readouterr()
    assert main(["pr", "merge-shards", *map(str, packed)]) == 0
    assert "merged 4 leaves from 3 shards into generated/" in capsys.readouterr().out
    assert projects.tree_bytes(project / "generated") == reference
    assert main(["status"]) == 0


def test_a_leaf_in_two_shards_is_refused_and_nothing_is_written(project: Path, shards, capsys):
    _, (first, second, third) = shards
    leaf = next(p for p in first.rglob("manifest.json")).parent
    twin = third / leaf.relative_to(first)
    shutil.copytree(leaf, twin)
    assert main(["pr", "merge-shards", str(first), str(second), str(third)]) == 1
    err = capsys.readouterr().err
    assert f"leaf {leaf.relative_to(first).as_posix()} appears in two shards" in err
    assert not (project / "generated").exists()


def test_a_missing_leaf_is_refused_by_name(project: Path, shards, capsys):
    _, (first, second, third) = shards
    leaf = next(p for p in second.rglob("manifest.json")).parent
    shutil.rmtree(leaf)
    assert main(["pr", "merge-shards", str(first), str(second), str(third)]) == 1
    err = capsys.readouterr().err
    assert "1 planned leaf missing from every shard" in err
    assert leaf.relative_to(second).as_posix() in err
    assert not (project / "generated").exists()


def test_stale_data_and_foreign_leaves_are_refused(project: Path, shards, capsys):
    _, packed = shards
    first, second, _ = packed
    manifest = next(first.rglob("manifest.json"))
    data = json.loads(manifest.read_text())
    data["inputs_hash"] = "0" * 64
    manifest.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    assert main(["pr", "merge-shards", *map(str, packed)]) == 1
    assert "does not match the leaf" in capsys.readouterr().err
    foreign = second / "knowledge" / "no_such" / "leaf"
    shutil.copytree(next(second.rglob("manifest.json")).parent, foreign)
    assert main(["pr", "merge-shards", *map(str, packed)]) == 1
    assert "knowledge/no_such/leaf, which is not a leaf of the taxonomy" in capsys.readouterr().err
    assert not (project / "generated").exists()


def test_merging_removes_data_of_leaves_that_no_longer_exist(project: Path, shards, capsys):
    _, packed = shards
    orphan = project / "generated" / "compositional_skills" / "gone" / "leaf"
    shutil.copytree(next(packed[0].rglob("manifest.json")).parent, orphan)
    assert main(["pr", "merge-shards", *map(str, packed)]) == 0
    assert "removed data of 1 leaf no longer in the taxonomy" in capsys.readouterr().out
    assert not orphan.exists()


def test_a_shard_with_an_unfinished_leaf_is_not_packed(project: Path, in_process, capsys):
    assert _generate("--shard", "1/3") == 0
    assert main(["pr", "shard-data", "--shard", "2/3", "--out", "out"]) == 1
    assert "is missing or does not match the leaf" in capsys.readouterr().err
    assert not (project / "out").exists()


def test_every_shard_of_one_run_is_needed_once(project: Path, shards, capsys):
    _, (first, second, third) = shards
    assert main(["pr", "merge-shards", str(first), str(second)]) == 1
    assert "shard(s) 3 of 3 are missing" in capsys.readouterr().err
    assert main(["pr", "merge-shards", str(first), str(first), str(second), str(third)]) == 1
    assert "shard 1/3 is given twice" in capsys.readouterr().err
    (third / ".labtax-shard").write_text("3/4\n")
    assert main(["pr", "merge-shards", str(first), str(second), str(third)]) == 1
    assert "different shard counts: [3, 4]" in capsys.readouterr().err
    (third / ".labtax-shard").unlink()
    assert main(["pr", "merge-shards", str(first), str(second), str(third)]) == 1
    assert "not a shard directory: no readable .labtax-shard" in capsys.readouterr().err
    assert not (project / "generated").exists()

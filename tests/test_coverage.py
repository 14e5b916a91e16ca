"""Coverage of the taxonomy: per-leaf seeds, kept samples and data state, folded into a tree."""

from __future__ import annotations

from pathlib import Path

import pytest

import datafiles
from labtax import coverage, inputs, leaves
from labtax.config import load_config
from labtax.coverage import LeafCoverage, build_tree
from labtax.dataset import statuses

QNA = """\
version: 2
created_by: curator
task_description: {task}
seed_examples:
  - question: One?
    answer: One.
  - question: Two?
    answer: Two.
  - question: Three?
    answer: Three.
"""


def write_qna(root: Path, leaf_id: str, task: str = "Count.") -> Path:
    path = root / "taxonomy" / leaf_id / "qna.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(QNA.format(task=task), encoding="utf-8")
    return path


def current_hash(root: Path, leaf_id: str) -> str:
    config = load_config(root)
    return inputs.inputs_hash(config, leaves.load_file(config, write_qna(root, leaf_id)))


def by_id(root: Path) -> dict[str, LeafCoverage]:
    return {item.leaf_id: item for item in coverage.coverage(load_config(root))}


def test_every_leaf_and_orphaned_data_with_its_state(data_project: Path) -> None:
    gen = data_project / "generated"
    datafiles.write_leaf(
        gen,
        "compositional_skills/fresh",
        [("q1", "a1"), ("q2", "a2")],
        rejected=[("q3", "a3", "low_score")],
        inputs_hash=current_hash(data_project, "compositional_skills/fresh"),
    )
    write_qna(data_project, "compositional_skills/stale")
    datafiles.write_leaf(gen, "compositional_skills/stale", [("q", "a")], inputs_hash="f" * 64)
    write_qna(data_project, "compositional_skills/missing")
    datafiles.write_leaf(gen, "knowledge/gone", [("q", "a"), ("r", "b")])
    found = by_id(data_project)
    assert list(found) == sorted(found)
    assert found["compositional_skills/fresh"] == LeafCoverage(
        "compositional_skills/fresh",
        "taxonomy/compositional_skills/fresh/qna.yaml",
        "freeform_skill",
        3,
        2,
        1,
        "fresh",
    )
    assert found["compositional_skills/stale"].status == "stale"
    missing = found["compositional_skills/missing"]
    assert (missing.status, missing.kept, missing.rejection_rate) == ("missing", 0, None)
    gone = found["knowledge/gone"]
    assert (gone.status, gone.path, gone.kind, gone.seeds, gone.kept) == (
        "orphaned",
        "generated/knowledge/gone",
        "knowledge",
        0,
        2,
    )


def test_unreadable_leaves_and_data_are_recorded_not_raised(data_project: Path) -> None:
    broken = data_project / "taxonomy/compositional_skills/broken/qna.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("version: [\n", encoding="utf-8")
    write_qna(data_project, "compositional_skills/damaged")
    directory = datafiles.write_leaf(
        data_project / "generated", "compositional_skills/damaged", [("q", "a")]
    )
    (directory / "samples.jsonl").write_text("not json\n", encoding="utf-8")
    orphan = datafiles.write_leaf(data_project / "generated", "knowledge/gone", [("q", "a")])
    (orphan / "rejected.jsonl").write_text("{\n", encoding="utf-8")
    found = by_id(data_project)
    assert found["compositional_skills/broken"].status == "invalid"
    assert found["compositional_skills/broken"].problem.startswith(
        "taxonomy/compositional_skills/broken/qna.yaml:2:"
    )
    damaged = found["compositional_skills/damaged"]
    # Files that are not the ones the manifest vouches for are stale, as `labtax status` says.
    assert (damaged.status, damaged.seeds, damaged.kind) == ("stale", 3, "freeform_skill")
    assert "generated/compositional_skills/damaged/samples.jsonl:1:" in damaged.problem
    gone = found["knowledge/gone"]
    assert gone.status == "orphaned"
    assert "generated/knowledge/gone/rejected.jsonl:1:" in gone.problem
    assert build_tree(found.values()).has_problems


def test_data_of_an_older_format_is_stale_not_a_problem(data_project: Path) -> None:
    leaf_id = "compositional_skills/old_format"
    directory = datafiles.write_leaf(
        data_project / "generated",
        leaf_id,
        [("q", "a")],
        inputs_hash=current_hash(data_project, leaf_id),
    )
    manifest = directory / "manifest.json"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace('"format": 2', '"format": 1'), encoding="utf-8")
    found = by_id(data_project)[leaf_id]
    assert (found.status, found.problem, found.kind, found.seeds) == (
        "stale",
        None,
        "freeform_skill",
        3,
    )
    assert not build_tree([found]).has_problems


def item(leaf_id: str, seeds: int, kept: int, rejected: int, status: str) -> LeafCoverage:
    return LeafCoverage(
        leaf_id, f"taxonomy/{leaf_id}/qna.yaml", "freeform_skill", seeds, kept, rejected, status
    )  # type: ignore[arg-type]


def test_the_tree_nests_by_path_and_totals_each_subtree() -> None:
    items = [
        item("compositional_skills/a", 5, 3, 1, "fresh"),
        item("compositional_skills/a/inner", 2, 0, 0, "missing"),
        item("compositional_skills/b", 4, 6, 2, "stale"),
        item("knowledge/x", 0, 9, 0, "orphaned"),
    ]
    tree = build_tree(reversed(items))
    assert [c.name for c in tree.children] == ["compositional_skills", "knowledge"]
    skills = tree.children[0]
    assert (skills.path, [c.path for c in skills.children]) == (
        "compositional_skills",
        ["compositional_skills/a", "compositional_skills/b"],
    )
    a = skills.children[0]
    assert a.leaf == items[0]
    assert [c.leaf for c in a.children] == [items[1]]
    assert [leaf.leaf_id for leaf in tree.leaves()] == [i.leaf_id for i in items]
    totals = tree.totals()
    assert totals == {
        "leaves": 3,  # orphaned data covers no leaf
        "seeds": 11,
        "kept": 9,
        "rejected": 3,
        "rejection_rate": pytest.approx(0.25),
        "status": {"fresh": 1, "stale": 1, "missing": 1, "orphaned": 1},
        "diversity": {
            "distinct_bigrams": None,
            "mean_rouge_l": None,
            "near_duplicates": None,
            "pairs_compared": 0,
            "questions": 0,
        },
        "student": None,
    }
    assert a.totals()["leaves"] == 2
    assert not tree.has_problems


def test_as_dict_holds_the_whole_tree() -> None:
    tree = build_tree([item("knowledge/x", 1, 3, 1, "fresh")])
    document = tree.as_dict()
    assert (document["name"], document["path"], document["leaf"]) == ("", "", None)
    leaf = document["children"][0]["children"][0]["leaf"]
    assert leaf == {
        "leaf_id": "knowledge/x",
        "path": "taxonomy/knowledge/x/qna.yaml",
        "kind": "freeform_skill",
        "seeds": 1,
        "kept": 3,
        "rejected": 1,
        "rejection_rate": 0.25,
        "status": "fresh",
        "problem": None,
        "diversity": {
            "distinct_bigrams": None,
            "mean_rouge_l": None,
            "near_duplicates": None,
            "pairs_compared": 0,
            "questions": 0,
        },
        "student": None,
        "evaluation_problem": None,
        "chunks": None,
    }
    assert document["totals"]["kept"] == 3


def _leaves_with_data(root: Path, count: int) -> None:
    gen = root / "generated"
    for n in range(count):
        leaf_id = f"compositional_skills/many/leaf_{n:02d}"
        write_qna(root, leaf_id, task=f"Count to {n}.")
        pairs = [(f"How many is {n} and {k}?", f"{n + k}.") for k in range(n % 5 + 2)]
        fresh = current_hash(root, leaf_id) if n % 3 else "f" * 64
        directory = datafiles.write_leaf(gen, leaf_id, pairs, inputs_hash=fresh)
        if n == 7:  # damage the digest-vouched file: the strict reader has the last word
            (directory / "samples.jsonl").write_text("not json\n", encoding="utf-8")


def _figures(items: dict[str, LeafCoverage]) -> list[tuple[object, ...]]:
    return [(i, i.questions, i.diversity) for i in items.values()]


def test_data_its_manifest_vouches_for_reads_as_the_strict_reader_reads_it(
    data_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _leaves_with_data(data_project, 9)
    fast = by_id(data_project)
    monkeypatch.setattr(coverage, "_vouched", lambda *_: None)
    strict = by_id(data_project)
    assert _figures(fast) == _figures(strict)
    states = {i.leaf_id.rsplit("_", 1)[1]: i.status for i in fast.values()}
    assert (states["00"], states["01"], states["07"]) == ("stale", "fresh", "stale")
    assert fast[next(k for k in fast if k.endswith("_07"))].problem


def test_tree_and_status_give_a_damaged_leaf_the_same_state(data_project: Path) -> None:
    leaf_id = "compositional_skills/edited"
    write_qna(data_project, leaf_id)
    datafiles.write_leaf(
        data_project / "generated",
        leaf_id,
        [("What is 2 and 2?", "4.")],
        inputs_hash=current_hash(data_project, leaf_id),
    )
    # A hand edit: the record no longer matches its id, nor the file the manifest's digest.
    samples = data_project / "generated" / leaf_id / "samples.jsonl"
    samples.write_text(samples.read_text("utf-8").replace("2 and 2", "2 and 3"), "utf-8")
    told = {s.leaf_id: s.state for s in statuses(load_config(data_project))}
    found = by_id(data_project)[leaf_id]
    assert (told[leaf_id], found.status) == ("stale", "stale")
    assert "samples.jsonl:1:" in (found.problem or "")


def test_a_large_taxonomy_is_read_by_several_processes_with_the_same_figures(
    data_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _leaves_with_data(data_project, 12)
    serial = by_id(data_project)
    monkeypatch.setattr(coverage, "PARALLEL_MIN_LEAVES", 4)
    monkeypatch.setattr(coverage, "_CHUNK", 3)
    monkeypatch.setattr(coverage, "_cores", lambda: 2)
    calls: list[int] = []
    real = coverage._parallel

    def spy(*args: object) -> list[LeafCoverage]:
        calls.append(1)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(coverage, "_parallel", spy)
    parallel = by_id(data_project)
    assert calls == [1]
    assert _figures(parallel) == _figures(serial)
    # The leaves' diversity was computed in the workers and came back with them.
    assert all("diversity" in vars(i) for i in parallel.values() if i.status != "orphaned")


def test_a_branchs_figures_are_those_of_all_its_questions(data_project: Path) -> None:
    from labtax.diversity import diversity

    _leaves_with_data(data_project, 6)
    items = coverage.coverage(load_config(data_project))
    tree = build_tree(items)
    every = [q for i in items if i.status != "orphaned" for q in i.questions]
    assert tree.diversity == diversity(every)
    branch = tree.children[0]
    assert branch.bigrams.total == sum(i.bigrams.total for i in branch.leaves())

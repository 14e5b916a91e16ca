"""Planning: shards, which leaves to generate, skip, move and remove; no teacher is involved."""

from __future__ import annotations

import shutil

import pytest

from labtax import dataset
from labtax.config import load_config
from labtax.errors import LabtaxError, UsageError
from labtax.generation.plan import Selection, in_shard, make_plan, parse_shard
from labtax.usage import Usage

ALL = [
    "compositional_skills/grounded/summaries/paragraph",
    "compositional_skills/riddles/objects",
    "knowledge/history/printing_press",
    "knowledge/science/water_cycle",
]


def test_shards_partition_the_leaves():
    ids = [f"compositional_skills/leaf_{i}" for i in range(200)]
    shards = [[i for i in ids if in_shard(i, (k, 4))] for k in range(1, 5)]
    assert sorted(i for shard in shards for i in shard) == sorted(ids)
    assert all(20 < len(s) < 80 for s in shards)
    assert parse_shard("2/4") == (2, 4)
    for bad in ("0/4", "5/4", "a/b", "3"):
        with pytest.raises(UsageError):
            parse_shard(bad)


def test_a_full_plan_lists_every_leaf_in_id_order(project):
    plan = make_plan(load_config(project), Selection())
    assert [leaf.leaf_id for leaf in plan.generate] == ALL
    assert (plan.fresh, plan.moves, plan.removals, plan.other_shards) == ((), (), (), 0)
    assert not plan.is_empty


def test_shards_of_a_plan_add_up_to_the_whole(project):
    config = load_config(project)
    halves = [make_plan(config, Selection(shard=(k, 2))) for k in (1, 2)]
    assert sorted(leaf.leaf_id for p in halves for leaf in p.generate) == ALL
    assert [p.other_shards for p in halves] == [len(halves[1].generate), len(halves[0].generate)]


def test_paths_select_leaves_and_an_empty_path_is_an_error(project):
    config = load_config(project)
    plan = make_plan(config, Selection(paths=(project / "taxonomy/compositional_skills",)))
    assert [leaf.leaf_id for leaf in plan.generate] == ALL[:2]
    with pytest.raises(LabtaxError, match=r"no qna\.yaml"):
        make_plan(config, Selection(paths=(project / "taxonomy/nothing",)))


def _store(config, leaf):
    from labtax import inputs

    manifest = dataset.Manifest(
        leaf=leaf.leaf_id,
        kind=leaf.kind.value,
        inputs_hash=inputs.inputs_hash(config, leaf),
        labtax_version="0",
        teacher=dataset.TeacherParams("m", 0.7, 1024, 42, 4),
        templates={},
        counts=dataset.SampleCounts(0, 0, 0),
        usage=Usage(cost_usd=None),
        volume=dataset.Volume(4, 0, 1, "kept 0 of 4 samples after 1 round"),
        stages={},
    )
    dataset.write_leaf(dataset.leaf_dir(config, leaf.leaf_id), [], [], manifest)


def test_fresh_leaves_are_skipped_unless_forced_and_orphaned_data_is_removed(project):
    config = load_config(project)
    first = make_plan(config, Selection())
    _store(config, first.generate[1])
    plan = make_plan(config, Selection())
    assert plan.fresh == (ALL[1],)
    assert ALL[1] not in [leaf.leaf_id for leaf in plan.generate]
    forced = make_plan(config, Selection(force=True))
    assert [leaf.leaf_id for leaf in forced.generate] == ALL
    # Data whose leaf is gone is removed by a full run, never by a run over some paths.
    shutil.rmtree(project / "taxonomy/compositional_skills/riddles")
    assert make_plan(config, Selection()).removals == (ALL[1],)
    some = make_plan(config, Selection(paths=(project / "taxonomy/knowledge",)))
    assert some.removals == ()


def test_a_leaf_that_does_not_load_is_refused_with_its_located_error(project):
    leaf = project / "taxonomy/compositional_skills/riddles/objects/qna.yaml"
    leaf.write_text("version: 3\nseed_examples: [\n")
    plan = make_plan(load_config(project), Selection())
    assert [leaf.leaf_id for leaf in plan.generate] == [ALL[0], *ALL[2:]]
    (refused,) = plan.refused
    assert refused.leaf_id == ALL[1]
    assert refused.reason.startswith(
        "taxonomy/compositional_skills/riddles/objects/qna.yaml:3:1: [yaml-syntax] "
    )


def test_every_leaf_to_generate_is_validated_and_errors_refuse_it(project):
    config = load_config(project)
    riddles = project / "taxonomy/compositional_skills/riddles/objects"
    (riddles / "attribution.txt").unlink()
    water = project / "taxonomy/knowledge/science/water_cycle/qna.yaml"
    water.write_text(water.read_text().replace("documents/water", "documents/absent"))
    plan = make_plan(config, Selection())
    assert [leaf.leaf_id for leaf in plan.generate] == [ALL[0], ALL[2]]
    assert [(r.leaf_id, r.diagnostic.rule) for r in plan.refused] == [
        (ALL[1], "attribution"),
        (ALL[3], "document-repo"),
    ]
    # Warnings do not refuse: the sample leaves' short seed lists are warnings in this project.
    assert not any(r.diagnostic.level.value == "warning" for r in plan.refused)
    # Fresh leaves are not generated, so they are not checked either.
    _store(config, plan.generate[0])
    assert make_plan(config, Selection()).fresh == (ALL[0],)


def test_changed_leaves_must_be_current_to_be_generated(project):
    from gitrepo import git

    config = load_config(project)
    git(project, "checkout", "-q", "-b", "work")
    leaf = project / "taxonomy/compositional_skills/riddles/objects/qna.yaml"
    leaf.write_text(leaf.read_text().replace("version: 3\n", "").replace("riddles", "puzzles"))
    changed = make_plan(config, Selection(changed=True, base="main"))
    assert [(r.leaf_id, r.diagnostic.rule) for r in changed.refused] == [
        (ALL[1], "version-required")
    ]
    # A full run holds unchanged and changed leaves alike to the whole tree's checks.
    assert ALL[1] in [leaf.leaf_id for leaf in make_plan(config, Selection()).generate]


def test_each_leaf_is_parsed_once_to_plan_and_vet_it(project, monkeypatch):
    from labtax import leaves

    parsed = []
    real = leaves.parse  # what loading a leaf parses with, whoever loads it
    monkeypatch.setattr(leaves, "parse", lambda text: parsed.append(1) or real(text))
    plan = make_plan(load_config(project), Selection(force=True))
    assert plan.generate
    assert not plan.refused
    assert len(parsed) == len(plan.generate)  # validation reuses the loaded leaf

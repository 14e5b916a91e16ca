"""The first pass: leaves and the state of their data, weights by pattern, the test files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import mixdata
from labtax import leaves
from labtax.config import load_config
from labtax.errors import LabtaxError, Location
from labtax.export.recipe import LeafWeight, Recipe
from labtax.export.survey import check_weights, leaf_weight, survey


def weight(pattern: str, value: float) -> LeafWeight:
    return LeafWeight(pattern, value, Location("r.yaml", 2, 3))


def test_the_most_specific_pattern_gives_a_leaf_its_weight():
    weights = [weight("knowledge", 2), weight("knowledge/science/*", 3), weight("*/x/*", 5)]
    assert leaf_weight("knowledge/science/water", weights) == 3
    assert leaf_weight("knowledge/history/press", weights) == 2  # the branch covers it
    assert leaf_weight("compositional_skills/x/y", weights) == 5
    assert leaf_weight("foundational_skills/a", weights) == 1.0


def test_a_pattern_that_matches_no_leaf_is_a_located_error():
    check_weights([weight("knowledge", 2)], ["knowledge/a/b"])
    with pytest.raises(LabtaxError, match="'knowledge/sience' matches no leaf") as caught:
        check_weights([weight("knowledge/sience", 2)], ["knowledge/science/a"])
    assert str(caught.value.location) == "r.yaml:2:3"


def test_a_leaf_that_does_not_load_is_an_error_located_in_it(mix_project):
    path = mix_project / "taxonomy" / mixdata.FREEFORM / "qna.yaml"
    path.write_text("version: 3\nseed_examples: [\n", encoding="utf-8")
    with pytest.raises(LabtaxError, match="the leaf does not load") as caught:
        leaves.load_all(load_config(mix_project))
    assert str(caught.value.location).startswith(f"taxonomy/{mixdata.FREEFORM}/qna.yaml:")


def test_the_test_files_are_written_sorted_and_counted(mix_project, tmp_path):
    built = tmp_path / "built"
    found = survey(load_config(mix_project), Recipe(), built, allow_stale=False)
    assert [p.state for p in found.plans] == ["fresh"] * 4
    assert found.teachers == {mixdata.TEACHER}
    assert found.templates == {k: {v} for k, v in mixdata.TEMPLATES.items()}
    for phase in ("knowledge", "skills"):
        lines = (built / phase / "test.jsonl").read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines]
        assert [(r["leaf"], r["source"]) for r in rows] == sorted(
            (r["leaf"], r["source"]) for r in rows
        )
        assert len(rows) == sum(n for (p, _, _), n in found.tests.items() if p == phase)
    assert len(found.turns) == sum(found.tests.values())
    assert len(found.pool.chunks) == 8  # four chunks in each knowledge leaf
    assert found.expected_bytes["knowledge"] > found.expected_bytes["skills"] > 0


def test_the_readme_weight_examples_match_leaves_of_the_starter_taxonomy():
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `weights` |"))
    patterns = [p.strip('"') for p in re.findall(r"`([^`=]+?) = [0-9.]+`", row)]
    assert len(patterns) == 2
    ids = [leaf.leaf_id for leaf in leaves.load_all(load_config(root))]
    for pattern in patterns:
        check_weights([weight(pattern, 2)], ids)  # a pattern matching no leaf is an error

"""The recipe's keys, checks and defaults, and the resolved recipe written next to a mix."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtax.errors import LabtaxError, Location
from labtax.export.recipe import (
    DEFAULT_SYSTEM_PROMPT,
    KeyPath,
    RaftSettings,
    Recipe,
    parse_recipe,
    resolved,
    resolved_text,
    with_formats,
)
from labtax.export.recipe_source import read_recipe_file


def locate(keys: KeyPath) -> Location:
    """Where a key is, as a file would say: the key path in the path, for the assertions."""
    return Location("recipe:" + ".".join(map(str, keys)))


def parse(raw: object, base: Path = Path()) -> Recipe:
    return parse_recipe(raw, locate, "recipe", base)


def fails(raw: object, where: str, match: str, base: Path = Path()) -> LabtaxError:
    with pytest.raises(LabtaxError, match=match) as caught:
        parse(raw, base)
    assert str(caught.value.location) == "recipe:" + where
    return caught.value


def test_an_empty_recipe_is_every_default():
    recipe = parse({})
    assert recipe == Recipe(origin="recipe")
    assert recipe.system_prompt == DEFAULT_SYSTEM_PROMPT
    assert (recipe.seed, recipe.test_fraction, recipe.test_min) == (42, 0.05, 1)
    assert recipe.raft == RaftSettings(p=0.4, distractors=3)
    assert (recipe.decontamination, recipe.formats) == (0.9, ("jsonl",))
    assert recipe.where("seed") == Location("recipe")  # a default is located at the origin


def test_every_key_is_read(tmp_path):
    (tmp_path / "old.jsonl").write_text("")
    recipe = parse(
        {
            "seed": 7,
            "system_prompt": "",
            "test_fraction": 0.1,
            "test_min": 2,
            "weights": {"knowledge/": 2, "compositional_skills/*/haiku": 0.5},
            "max_per_leaf": 30,
            "knowledge_replay": 0.25,
            "min_knowledge_share": 0.03,
            "raft": {"p": 1, "distractors": 0},
            "replay": [{"name": "old", "path": "old.jsonl", "skills": 0.2}],
            "decontamination": 1,
            "formats": ["parquet"],
        },
        tmp_path,
    )
    assert (recipe.seed, recipe.system_prompt, recipe.test_min, recipe.max_per_leaf) == (
        7,
        "",
        2,
        30,
    )
    assert [(w.pattern, w.weight) for w in recipe.weights] == [
        ("compositional_skills/*/haiku", 0.5),
        ("knowledge", 2.0),
    ]
    assert recipe.raft == RaftSettings(p=1.0, distractors=0)
    (source,) = recipe.replay
    assert (source.name, source.path, dict(source.ratios)) == (
        "old",
        (tmp_path / "old.jsonl").resolve(),
        {"knowledge": 0.0, "skills": 0.2},
    )
    assert recipe.formats == ("jsonl", "parquet")  # JSONL is always written
    assert recipe.where("seed") == Location("recipe:seed")


@pytest.mark.parametrize(
    ("raw", "where", "match"),
    [
        ([1, 2], "", "must be a mapping"),
        ({"seeds": 1}, "seeds", 'unknown recipe key "seeds"'),
        ({"raft": {"k": 3}}, "raft.k", 'unknown recipe key "raft.k"'),
        ({"raft": 3}, "raft", '"raft" must be a mapping'),
        ({"seed": True}, "seed", "integer from 0"),
        ({"seed": -1}, "seed", "integer from 0"),
        ({"system_prompt": None}, "system_prompt", "must be text"),
        ({"test_fraction": 1}, "test_fraction", r"from 0 to 1 \(excluded\)"),
        ({"test_fraction": "0.1"}, "test_fraction", "must be a number"),
        ({"min_knowledge_share": 1.0}, "min_knowledge_share", "excluded"),
        ({"knowledge_replay": float("inf")}, "knowledge_replay", "must be a number"),
        ({"knowledge_replay": float("nan")}, "knowledge_replay", "must be a number"),
        ({"raft": {"p": 1.5}}, "raft.p", "from 0 to 1"),
        ({"decontamination": 0}, "decontamination", "above 0"),
        ({"formats": "parquet"}, "formats", "a list"),
        ({"formats": ["csv"]}, "formats", "unknown output format 'csv'"),
        ({"weights": {"a": -1}}, "weights.a", "from 0"),
        ({"weights": {"../x": 1}}, "weights.../x", "not a leaf id glob"),
        ({"weights": ["a"]}, "weights", "must be a mapping"),
        ({"replay": {"name": "x"}}, "replay", "a list of sources"),
        ({"replay": [{"name": "x"}]}, "replay.0", "needs a 'path'"),
        ({"replay": [{"name": "x", "path": "a", "sizes": 1}]}, "replay.0.sizes", "unknown"),
    ],
)
def test_bad_values_are_located_at_their_key(raw, where, match):
    fails(raw, where, match)


def test_replay_sources_are_checked(tmp_path):
    (tmp_path / "a.jsonl").write_text("")
    good = {"name": "a", "path": "a.jsonl", "knowledge": 0.1}
    fails({"replay": [{**good, "path": "b.jsonl"}]}, "replay.0.path", "does not exist", tmp_path)
    fails({"replay": [{**good, "name": "a b"}]}, "replay.0.name", "letters, digits", tmp_path)
    fails({"replay": [good, good]}, "replay.1.name", "must be unique", tmp_path)
    error = fails({"replay": [{**good, "knowledge": 0}]}, "replay.0", "has no ratio", tmp_path)
    assert "knowledge and/or skills" in error.hint


@pytest.mark.parametrize(
    ("raw", "where", "match"),
    [
        ({"weights": {"knowledge": 100_000_000}}, "weights.knowledge", "from 0 to 1000"),
        ({"knowledge_replay": 1e6}, "knowledge_replay", "from 0 to 100"),
        ({"raft": {"distractors": 100_000_000}}, "raft.distractors", "integer from 0 to 50"),
    ],
)
def test_absurdly_large_values_are_bounded(raw, where, match):
    fails(raw, where, match)


def test_huge_replay_ratios_are_bounded(tmp_path):
    (tmp_path / "a.jsonl").write_text("")
    source = {"name": "a", "path": "a.jsonl", "skills": 1e7}
    fails({"replay": [source]}, "replay.0.skills", "from 0 to 100", tmp_path)


@pytest.mark.parametrize(("written", "plain"), [("8e-1", "0.8"), ("1e7", "10000000")])
def test_a_number_yaml_read_as_text_says_so_and_how_to_write_it(written, plain):
    error = fails({"decontamination": written}, "decontamination", f"the text '{written}'")
    assert "YAML reads a number with an exponent but no dot" in error.hint
    assert error.hint.endswith(f"write {plain}")
    error = fails({"seed": "1e3"}, "seed", "integer from 0, got the text '1e3'")
    assert error.hint.endswith("write 1000")
    assert "README" in fails({"seed": "x"}, "seed", "got 'x'").hint  # not a number: no such hint


def test_with_formats_adds_what_the_command_line_asks_for():
    assert with_formats(Recipe(), ["parquet"]).formats == ("jsonl", "parquet")
    assert with_formats(Recipe(), []).formats == ("jsonl",)


def test_the_resolved_recipe_fills_every_default_and_reads_back_the_same(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "old.jsonl").write_text("")
    recipe = parse(
        {
            "weights": {"knowledge": 3},
            "replay": [{"name": "old", "path": "data/old.jsonl", "skills": 0.5}],
            "system_prompt": "Sé breve: ünïcode.",
        },
        tmp_path,
    )
    out = tmp_path / "mixes" / "latest"
    text = resolved_text(recipe, out)
    assert text.startswith("# The recipe this mix was made with")
    assert "path: ../../data/old.jsonl" in text  # relative to where the recipe is written
    assert "Sé breve: ünïcode." in text
    out.mkdir(parents=True)
    (out / "recipe.yaml").write_text(text, encoding="utf-8")
    again = read_recipe_file(out / "recipe.yaml", "mixes/latest/recipe.yaml")
    assert resolved(again, out) == resolved(recipe, out)
    assert sorted(resolved(recipe, out)) == sorted(
        [
            "decontamination",
            "formats",
            "knowledge_replay",
            "knowledge_short_tokens",
            "max_per_leaf",
            "min_knowledge_share",
            "raft",
            "replay",
            "seed",
            "system_prompt",
            "test_fraction",
            "test_min",
            "weights",
        ]
    )

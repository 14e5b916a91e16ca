"""Where a recipe comes from (a YAML or TOML file, the settings' export table, the defaults) and
how its problems are located in the file."""

from __future__ import annotations

import pytest

from labtax.config import load_config
from labtax.errors import LabtaxError
from labtax.export.recipe import Recipe
from labtax.export.recipe_source import load_recipe, read_recipe_file


def located(path, match: str) -> str:
    with pytest.raises(LabtaxError, match=match) as caught:
        read_recipe_file(path, path.name)
    return str(caught.value.location)


def test_a_yaml_recipe_is_read_and_its_problems_have_line_and_column(tmp_path):
    good = tmp_path / "mix.yaml"
    good.write_text("seed: 3\nraft:\n  p: 0.5\n", encoding="utf-8")
    recipe = read_recipe_file(good, "mix.yaml")
    assert (recipe.seed, recipe.raft.p, recipe.origin) == (3, 0.5, "mix.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: 3\nraft:\n  p: 0.5\n  q: 2\n", encoding="utf-8")
    assert located(bad, 'unknown recipe key "raft.q"') == "bad.yaml:4:3"
    bad.write_text("seed: 3\ntest_fraction: [1]\n", encoding="utf-8")
    assert located(bad, "must be a number") == "bad.yaml:2:1"
    bad.write_text("seed: 3\n  raft: [\n", encoding="utf-8")
    assert located(bad, "not usable YAML").startswith("bad.yaml:2:")
    bad.write_text("- 1\n", encoding="utf-8")
    assert located(bad, "not usable YAML") == "bad.yaml:1:1"


def test_an_empty_yaml_recipe_is_every_default_like_an_empty_toml_one(tmp_path):
    for name, text in (("e.yaml", ""), ("c.yaml", "# nothing yet\n"), ("e.toml", "")):
        (tmp_path / name).write_text(text, encoding="utf-8")
        recipe = read_recipe_file(tmp_path / name, name)
        assert (recipe.seed, recipe.weights, recipe.origin) == (42, (), name)


def test_a_yaml_exponent_without_a_dot_is_called_text_at_its_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: 3\ndecontamination: 8e-1\n", encoding="utf-8")
    with pytest.raises(LabtaxError, match="got the text '8e-1'") as caught:
        read_recipe_file(bad, "bad.yaml")
    assert str(caught.value.location) == "bad.yaml:2:1"
    assert "write 0.8" in caught.value.hint


def test_a_toml_recipe_is_read_and_its_problems_have_a_line(tmp_path):
    good = tmp_path / "mix.toml"
    good.write_text(
        'seed = 5\n[weights]\n"knowledge/science" = 2\n\n[[replay]]\nname = "a"\n'
        'path = "a.jsonl"\nskills = 0.1\n',
        encoding="utf-8",
    )
    (tmp_path / "a.jsonl").write_text("")
    recipe = read_recipe_file(good, "mix.toml")
    assert recipe.seed == 5
    assert recipe.weights[0].pattern == "knowledge/science"
    assert str(recipe.weights[0].where) == "mix.toml:3:1"
    assert str(recipe.replay[0].where) == "mix.toml:5:1"
    bad = tmp_path / "bad.toml"
    bad.write_text('seed = 5\n\n[[replay]]\nname = "a"\npath = "nowhere.jsonl"\nskills = 1\n')
    assert located(bad, "does not exist") == "bad.toml:5:1"
    bad.write_text("seed = 5\n[raft]\ndistractors = -1\n")
    assert located(bad, "integer from 0") == "bad.toml:3:1"
    bad.write_text("seed = \n")
    assert located(bad, "not valid TOML") == "bad.toml:1:8"


def test_other_files_and_unreadable_ones_are_refused(tmp_path):
    json_file = tmp_path / "mix.json"
    json_file.write_text("{}")
    assert located(json_file, "YAML") == "mix.json"
    missing = tmp_path / "missing.yaml"
    assert located(missing, "cannot read the recipe") == "missing.yaml"
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(b"system_prompt: caf\xe9\n")
    assert located(latin, "cannot read the recipe") == "latin.yaml"


def test_without_a_file_the_settings_export_table_is_the_recipe(data_project):
    assert load_recipe(load_config(data_project), None) == Recipe()
    pyproject = data_project / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '\n[tool.labtax.export]\nseed = 9\nsystem_prompt = ""\n'
        "[tool.labtax.export.raft]\ndistractors = 1\nbogus = 2\n",
        encoding="utf-8",
    )
    with pytest.raises(LabtaxError, match=r'"raft\.bogus"') as caught:
        load_recipe(load_config(data_project), None)
    assert str(caught.value.location) == "pyproject.toml:10:1"
    pyproject.write_text(pyproject.read_text().replace("bogus = 2\n", ""), encoding="utf-8")
    recipe = load_recipe(load_config(data_project), None)
    assert (recipe.seed, recipe.system_prompt, recipe.raft.distractors) == (9, "", 1)
    assert recipe.origin == "pyproject.toml [tool.labtax.export]"


def test_labtax_toml_holds_the_export_table_at_its_top_level(tmp_path):
    (tmp_path / "labtax.toml").write_text("[export]\ntest_min = 4\n", encoding="utf-8")
    recipe = load_recipe(load_config(tmp_path), None)
    assert recipe.test_min == 4
    assert recipe.origin == "labtax.toml [export]"
    assert str(recipe.where("test_min")) == "labtax.toml:2:1"


def test_a_recipe_file_wins_over_the_settings(tmp_path):
    (tmp_path / "labtax.toml").write_text("[export]\ntest_min = 4\n", encoding="utf-8")
    (tmp_path / "r.yaml").write_text("test_min: 2\n", encoding="utf-8")
    recipe = load_recipe(load_config(tmp_path), tmp_path / "r.yaml")
    assert recipe.test_min == 2

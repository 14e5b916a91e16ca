"""Where an export recipe comes from, and where each of its keys is written.

`--recipe FILE` is YAML (`.yaml`, `.yml`: read with `yamldoc`, so every problem has its line and
column) or TOML (`.toml`: its top level is the recipe); an empty file, or one of comments only,
is every default in either. Without it, the `export` table of the project's settings is the
recipe (`[tool.labtax.export]` in pyproject.toml, `[export]` in labtax.toml); without that,
every default. tomllib gives no positions, so TOML keys are located by `settingsfile.TomlPlaces`,
as every settings error is.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from labtax import yamldoc
from labtax.config import Config
from labtax.errors import LabtaxError, Location
from labtax.export.recipe import KeyPath, Recipe, parse_recipe
from labtax.settingsfile import TomlPlaces, read_settings


def load_recipe(config: Config, recipe_file: Path | None) -> Recipe:
    """The recipe of `--recipe FILE`, else of the settings' export table, else the defaults."""
    if recipe_file is not None:
        return read_recipe_file(recipe_file, config.rel(recipe_file))
    table, settings = read_settings(config.root)
    recipe = table.get("export")
    if recipe is None:
        return Recipe()
    places = TomlPlaces.scan(settings.text, config.rel(settings.path))

    def locate(keys: KeyPath) -> Location:
        return places.locate((*settings.prefix, "export", *keys))

    origin = f"{config.rel(settings.path)} {settings.name('export')}"
    return parse_recipe(recipe, locate, origin, config.root)


def read_recipe_file(path: Path, shown: str) -> Recipe:
    """A recipe file: YAML (`.yaml`, `.yml`) or TOML (`.toml`, its top level is the recipe)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabtaxError(
            f"cannot read the recipe: {exc}",
            hint="pass a readable UTF-8 YAML or TOML file with --recipe",
            location=Location(shown),
        ) from exc
    base = path.resolve().parent
    if path.suffix in {".yaml", ".yml"}:
        if _no_document(text):
            # As an empty TOML recipe: every default.
            return parse_recipe({}, lambda keys: Location(shown), shown, base)
        try:
            document = yamldoc.parse(text)
        except yamldoc.LoadProblem as problem:
            raise LabtaxError(
                f"the recipe is not usable YAML: {problem.message}",
                hint="a recipe is a YAML mapping of the recipe keys (see the README)",
                location=Location(shown, problem.line, problem.col),
            ) from problem
        positions = document.positions

        def locate(keys: KeyPath) -> Location:
            line, col = positions.of_key(keys)
            return Location(shown, line, col)

        return parse_recipe(document.data, locate, shown, base)
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line, col = _toml_error_position(str(exc))
            raise LabtaxError(
                f"the recipe is not valid TOML: {exc}",
                hint="fix the TOML syntax at this position",
                location=Location(shown, line, col),
            ) from exc
        return parse_recipe(data, TomlPlaces.scan(text, shown).locate, shown, base)
    raise LabtaxError(
        "a recipe file is YAML (.yaml, .yml) or TOML (.toml)",
        hint="rename the file with the extension of its format",
        location=Location(shown),
    )


def _no_document(text: str) -> bool:
    """Whether YAML `text` holds no document at all (nothing, or only comments)."""
    try:
        return yaml.compose(text, Loader=yaml.CSafeLoader) is None
    except yaml.YAMLError:
        return False  # `yamldoc.parse` locates the problem


def _toml_error_position(message: str) -> tuple[int, int]:
    found = re.search(r"line (\d+), column (\d+)", message)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)

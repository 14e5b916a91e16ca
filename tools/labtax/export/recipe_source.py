"""Where an export recipe comes from, and where each of its keys is written.

`--recipe FILE` is YAML (`.yaml`, `.yml`: read with `yamldoc`, so every problem has its line and
column) or TOML (`.toml`: its top level is the recipe). Without it, the `export` table of the
project's settings is the recipe (`[tool.labtax.export]` in pyproject.toml, `[export]` in
labtax.toml); without that, every default. tomllib gives no positions, so TOML keys are located
by a line scan of table headers and `key =` lines: enough for the recipes people write, and a key
it cannot find points at its nearest parent that it can.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from labtax import yamldoc
from labtax.config import Config, settings_file, settings_table
from labtax.errors import LabtaxError, Location
from labtax.export.recipe import KeyPath, Locate, Recipe, parse_recipe


def load_recipe(config: Config, recipe_file: Path | None) -> Recipe:
    """The recipe of `--recipe FILE`, else of the settings' export table, else the defaults."""
    if recipe_file is not None:
        return read_recipe_file(recipe_file, config.rel(recipe_file))
    found = settings_file(config.root)
    table = settings_table(config.root).get("export")
    if found is None or table is None:
        return Recipe()
    path, prefix = found
    shown = config.rel(path)
    text = path.read_text(encoding="utf-8")
    locate = _toml_locator(text, shown, (*prefix, "export"))
    origin = f"{shown} [{'.'.join((*prefix, 'export'))}]"
    return parse_recipe(table, locate, origin, config.root)


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
        return parse_recipe(data, _toml_locator(text, shown, ()), shown, base)
    raise LabtaxError(
        "a recipe file is YAML (.yaml, .yml) or TOML (.toml)",
        hint="rename the file with the extension of its format",
        location=Location(shown),
    )


# ---------------------------------------------------------------------------------------------
# Locating keys in TOML text (tomllib gives no positions)

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ONE_KEY = r"(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"
_KEY_LINE = re.compile(rf"^\s*({_ONE_KEY}(?:\s*\.\s*{_ONE_KEY})*)\s*=")
_KEY_PART = re.compile(r"[A-Za-z0-9_-]+|\"([^\"]*)\"|'([^']*)'")


def _toml_keys(text: str) -> list[str]:
    """The keys of a dotted TOML key, unquoted."""
    found = []
    for match in _KEY_PART.finditer(text):
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        found.append(match.group(0) if quoted is None else quoted)
    return found


def _toml_locator(text: str, shown: str, prefix: tuple[str, ...]) -> Locate:
    """Where each key path (below the table `prefix`) is written in `text`: a line scan of
    headers and `key =` lines, good for the recipes people write; a key not found points at its
    nearest written parent, or at the file."""
    places: dict[KeyPath, tuple[int, int]] = {}
    table: KeyPath = ()
    arrays: dict[KeyPath, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            path = tuple(_toml_keys(header.group(2)))
            if header.group(1) == "[[":
                arrays[path] = arrays.get(path, -1) + 1
                table = (*path, arrays[path])
            else:
                table = path
            places.setdefault(table, (number, line.index("[") + 1))
            continue
        assignment = _KEY_LINE.match(line)
        if assignment:
            column = len(line) - len(line.lstrip()) + 1
            places.setdefault((*table, *_toml_keys(assignment.group(1))), (number, column))

    def locate(keys: KeyPath) -> Location:
        full = (*prefix, *keys)
        for end in range(len(full), len(prefix) - 1, -1):
            found = places.get(full[:end])
            if found is not None:
                return Location(shown, *found)
        return Location(shown)

    return locate


def _toml_error_position(message: str) -> tuple[int, int]:
    found = re.search(r"line (\d+), column (\d+)", message)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)

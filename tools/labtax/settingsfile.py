"""The file a project's labtax settings live in, read once, and where each key is written in it.

`labtax.toml` (its top level is the labtax table) wins over `pyproject.toml` (`[tool.labtax]`).
tomllib gives values without positions, so a setting's error is located by `TomlPlaces`: one scan
of the text recording where every table header, `key =` line (dotted keys too), array-of-tables
entry and key of an inline table (`glob = { rule = "off" }`) is written. A key not found points at
its nearest written parent, else at the file. Every settings error (the `[tool.labtax]` keys, rule
levels, generation volumes, the export recipe) is located through here.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from labtax.errors import LabtaxError, Location

KeyPath = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ONE_KEY = r"(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"
_KEY_LINE = re.compile(rf"^\s*({_ONE_KEY}(?:\s*\.\s*{_ONE_KEY})*)\s*=\s*(.*)$")
_INLINE_KEY = re.compile(rf"(?:\{{|,)\s*({_ONE_KEY}(?:\s*\.\s*{_ONE_KEY})*)\s*=")
_KEY_PART = re.compile(r"[A-Za-z0-9_-]+|\"([^\"]*)\"|'([^']*)'")


def _keys(text: str) -> tuple[str, ...]:
    """The parts of a dotted TOML key, unquoted."""
    found = []
    for match in _KEY_PART.finditer(text):
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        found.append(match.group(0) if quoted is None else quoted)
    return tuple(found)


@dataclass(frozen=True)
class TomlPlaces:
    """Where each key path of a TOML text is written, as a 1-based (line, column)."""

    shown: str  # the file as errors name it
    places: Mapping[KeyPath, tuple[int, int]] = field(default_factory=dict)

    @staticmethod
    def scan(text: str, shown: str) -> TomlPlaces:
        places: dict[KeyPath, tuple[int, int]] = {}
        table: KeyPath = ()
        arrays: dict[KeyPath, int] = {}
        for number, line in enumerate(text.splitlines(), 1):
            header = _HEADER.match(line)
            if header:
                path = _keys(header.group(2))
                if header.group(1) == "[[":
                    arrays[path] = arrays.get(path, -1) + 1
                    table = (*path, arrays[path])
                else:
                    table = path
                places.setdefault(table, (number, line.index("[") + 1))
                continue
            assignment = _KEY_LINE.match(line)
            if assignment is None:
                continue
            key = (*table, *_keys(assignment.group(1)))
            places.setdefault(key, (number, len(line) - len(line.lstrip()) + 1))
            value_at = assignment.start(2)
            if line[value_at : value_at + 1] == "{":
                for inner in _INLINE_KEY.finditer(line, value_at):
                    places.setdefault((*key, *_keys(inner.group(1))), (number, inner.start(1) + 1))
        return TomlPlaces(shown, places)

    def locate(self, keys: KeyPath) -> Location:
        """Where `keys` is written, else its nearest written parent, else the file."""
        for end in range(len(keys), 0, -1):
            found = self.places.get(keys[:end])
            if found is not None:
                return Location(self.shown, *found)
        return Location(self.shown)


@dataclass(frozen=True)
class SettingsFile:
    """A project's settings file: its path, the path of the labtax table in it, its text."""

    path: Path
    prefix: tuple[str, ...]  # ("tool", "labtax") in pyproject.toml, () in labtax.toml
    text: str

    @staticmethod
    def find(root: Path) -> SettingsFile:
        """The file holding the project's settings (an empty `pyproject.toml` when there is
        neither: the file a setting would be written in)."""
        for name, prefix in (("labtax.toml", ()), ("pyproject.toml", ("tool", "labtax"))):
            path = root / name
            if path.is_file():
                return SettingsFile(path, prefix, _read_text(path))
        return SettingsFile(root / "pyproject.toml", ("tool", "labtax"), "")

    def table(self) -> dict[str, Any]:
        """The labtax settings table (`{}` when the file has none); bad TOML is a located error."""
        try:
            data: object = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"line (\d+), column (\d+)", str(exc))
            line, col = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
            raise LabtaxError(
                f"settings are not valid TOML: {exc}",
                hint="fix the TOML syntax at this position",
                location=Location(str(self.path), line, col),
            ) from exc
        for key in self.prefix:
            data = data.get(key, {}) if isinstance(data, dict) else {}
        return data if isinstance(data, dict) else {}

    def name(self, *table: str) -> str:
        """How messages name a table of the settings, as this file writes it."""
        return f"[{'.'.join((*self.prefix, *table))}]" if self.prefix or table else "the settings"

    def locate(self, *keys: str | int) -> Location:
        """Where the setting at `keys` (below the labtax table) is written."""
        return self.places.locate((*self.prefix, *keys))

    @cached_property
    def places(self) -> TomlPlaces:
        """Scanned on the first error: a run with good settings never pays for it."""
        return TomlPlaces.scan(self.text, str(self.path))


def read_settings(root: Path) -> tuple[dict[str, Any], SettingsFile]:
    """The labtax settings table of the project at `root`, and the file it came from."""
    found = SettingsFile.find(root)
    return found.table(), found


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabtaxError(f"cannot read settings: {exc}", location=Location(str(path))) from exc

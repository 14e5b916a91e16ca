"""Per-rule levels from the settings file, as ruff and yamllint configure their rules.

    [tool.labtax.rules]                  # `[rules]` in labtax.toml
    word-limit = "off"
    version-deprecated = "error"

    [tool.labtax.rules.per-path]
    "taxonomy/compositional_skills/legacy/**" = { version-required = "warning" }

A level is `error`, `warning` or `off` (the rule reports nothing). A per-path glob is matched
against the project-relative path every report shows (`**` crosses directories, `*` and `?` stay
within one name); a glob naming a directory covers everything below it. A per-path level wins over
the global one, and a later per-path entry over an earlier one. A configured level is final: it
also replaces the softening of some rules to warnings in version 1 leaves.

The table is checked when the settings are read: an unknown rule id or level is an error located at
the line of the offending key, naming the valid choices (tomllib gives no positions, so the line is
found in the text).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from labtax.diagnostics import Diagnostic, Level
from labtax.errors import LabtaxError, Location

LEVELS: dict[str, Level | None] = {"error": Level.ERROR, "warning": Level.WARNING, "off": None}
PER_PATH = "per-path"

RuleLevel = tuple[str, Level | None]


@dataclass(frozen=True)
class PathRuleLevels:
    """The levels one per-path glob sets."""

    glob: str
    levels: tuple[RuleLevel, ...]

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        return re.compile(glob_regex(self.glob))

    def matches(self, path: str) -> bool:
        """Whether `path` (project-relative, POSIX) or one of its parent directories matches."""
        parts = path.split("/")
        return any(self._pattern.fullmatch("/".join(parts[:n])) for n in range(len(parts), 0, -1))


@dataclass(frozen=True)
class RuleLevels:
    """Configured levels: global ones by rule id, then per-path overrides in file order."""

    levels: tuple[RuleLevel, ...] = ()
    per_path: tuple[PathRuleLevels, ...] = ()

    def level(self, rule: str, path: str, default: Level) -> Level | None:
        """The level a finding of `rule` about `path` gets; None: the rule is off there."""
        chosen: Level | None = default
        for rule_id, level in self.levels:
            if rule_id == rule:
                chosen = level
        for entry in self.per_path:
            for rule_id, level in entry.levels:
                if rule_id == rule and entry.matches(path):
                    chosen = level
        return chosen

    def apply(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """The diagnostics at their configured levels, those of rules turned off left out."""
        found = list(diagnostics)
        if not (self.levels or self.per_path):
            return found
        out = []
        for d in found:
            level = self.level(d.rule, d.path, d.level)
            if level is None:
                continue
            same = level is d.level
            out.append(
                d if same else Diagnostic(d.path, d.line, d.col, level, d.rule, d.message, d.hint)
            )
        return out


def glob_regex(glob: str) -> str:
    """A regular expression for a path glob: `**` any depth, `*` and `?` within one name."""
    text = glob.strip().removeprefix("./").rstrip("/")
    out = []
    i = 0
    while i < len(text):
        if text.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif text.startswith("**", i):
            out.append(".*")
            i += 2
        elif text[i] == "*":
            out.append("[^/]*")
            i += 1
        elif text[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(text[i]))
            i += 1
    return "".join(out)


@dataclass(frozen=True)
class SettingsSource:
    """Where the rules table was read from, to locate errors: the file and the table's name."""

    path: Path
    table: str  # "tool.labtax.rules" in pyproject.toml, "rules" in labtax.toml


def parse_rules(raw: object, known: Collection[str], source: SettingsSource) -> RuleLevels:
    """Check and read a rules table; `known` is every rule id the registry lists."""
    if not isinstance(raw, Mapping):
        raise _error(source, f"[{source.table}] must be a table", "", (rf"^\s*{_key(source)}",))
    levels: list[RuleLevel] = []
    per_path: list[PathRuleLevels] = []
    for key, value in raw.items():
        if key == PER_PATH:
            per_path = _per_path(value, known, source)
        else:
            levels.append(_rule_level(key, value, known, source))
    return RuleLevels(tuple(levels), tuple(per_path))


def _per_path(raw: object, known: Collection[str], source: SettingsSource) -> list[PathRuleLevels]:
    if not isinstance(raw, Mapping):
        raise _error(
            source,
            f"[{source.table}] {PER_PATH} must be a table of glob = {{ rule = level }}",
            'e.g. "taxonomy/knowledge/legacy/**" = { version-required = "warning" }',
            (_key_regex(PER_PATH),),
        )
    out = []
    for glob, table in raw.items():
        if not isinstance(table, Mapping) or not str(glob).strip():
            raise _error(
                source,
                f"{PER_PATH} entry {glob!r} must map a non-empty glob to a table of rule levels",
                f'e.g. "{glob or "taxonomy/knowledge/**"}" = {{ word-limit = "off" }}',
                (_key_regex(str(glob)),),
            )
        rules = tuple(_rule_level(k, v, known, source, after=str(glob)) for k, v in table.items())
        out.append(PathRuleLevels(str(glob), rules))
    return out


def _rule_level(
    key: str, value: object, known: Collection[str], source: SettingsSource, after: str = ""
) -> RuleLevel:
    if key not in known:
        raise _error(
            source,
            f"unknown rule id {key!r} in [{source.table}]",
            f"valid rule ids: {', '.join(sorted(known))}",
            (_key_regex(key),),
            after,
        )
    if not isinstance(value, str) or value not in LEVELS:
        raise _error(
            source,
            f"unknown level {value!r} for rule {key!r} in [{source.table}]",
            f"valid levels: {', '.join(LEVELS)}",
            (_key_regex(key) + r"\s*=\s*" + _value_regex(value), _key_regex(key)),
            after,
        )
    return key, LEVELS[value]


def _key(source: SettingsSource) -> str:
    return re.escape(source.table.rsplit(".", 1)[-1])


def _key_regex(key: str) -> str:
    """A TOML key as written: bare, or in double or single quotes, followed by `=`."""
    escaped = re.escape(key)
    return rf"(?:(?<=[\s{{,.])|^)(?:{escaped}|\"{escaped}\"|'{escaped}')(?=\s*=)"


def _value_regex(value: object) -> str:
    if isinstance(value, str):
        return rf"[\"']{re.escape(value)}[\"']"
    return re.escape(str(value).lower() if isinstance(value, bool) else str(value))


def _error(
    source: SettingsSource,
    message: str,
    hint: str,
    patterns: Iterable[str],
    after: str = "",
) -> LabtaxError:
    return LabtaxError(message, hint=hint, location=_locate(source, patterns, after))


def _locate(source: SettingsSource, patterns: Iterable[str], after: str) -> Location:
    """The first line at or below the rules table (and below `after`, a per-path glob) that
    matches one of `patterns`, tried in order; the file alone when none does."""
    try:
        lines = source.path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return Location(str(source.path))
    start = _table_line(lines, source.table)
    if after:
        found = _search(lines, [_key_regex(after)], start)
        start = found[0] - 1 if found else start
    found = _search(lines, patterns, start)
    if found is None:
        return Location(str(source.path), start + 1 if start else 0)
    return Location(str(source.path), *found)


def _table_line(lines: list[str], table: str) -> int:
    """The 0-based index of the `[table]` header (or a sub-table of it), 0 when there is none."""
    header = re.compile(rf"^\s*\[\s*{re.escape(table)}(?:\s*\]|\.)")
    return next((n for n, line in enumerate(lines) if header.match(line)), 0)


def _search(lines: list[str], patterns: Iterable[str], start: int) -> tuple[int, int] | None:
    for pattern in patterns:
        regex = re.compile(pattern)
        for number in range(start, len(lines)):
            match = regex.search(lines[number])
            if match:
                return number + 1, match.start() + 1
    return None

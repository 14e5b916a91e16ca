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
found in the text, by `settingsfile`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from labtax.diagnostics import Diagnostic, Level
from labtax.errors import LabtaxError
from labtax.settingsfile import SettingsFile
from labtax.util import collapse_globstars

LEVELS: dict[str, Level | None] = {"error": Level.ERROR, "warning": Level.WARNING, "off": None}
RULES = "rules"
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
    text = collapse_globstars(glob.strip().removeprefix("./").rstrip("/"))
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


def parse_rules(raw: object, known: Collection[str] | None, settings: SettingsFile) -> RuleLevels:
    """Check and read a rules table; `known` is every rule id the registry lists (None: ids are
    not checked)."""
    if not isinstance(raw, Mapping):
        raise LabtaxError(
            f"{settings.name(RULES)} must be a table", location=settings.locate(RULES)
        )
    levels: list[RuleLevel] = []
    per_path: list[PathRuleLevels] = []
    for key, value in raw.items():
        if key == PER_PATH:
            per_path = _per_path(value, known, settings)
        else:
            levels.append(_rule_level((RULES,), key, value, known, settings))
    return RuleLevels(tuple(levels), tuple(per_path))


def _per_path(
    raw: object, known: Collection[str] | None, settings: SettingsFile
) -> list[PathRuleLevels]:
    if not isinstance(raw, Mapping):
        raise LabtaxError(
            f"{settings.name(RULES)} {PER_PATH} must be a table of glob = {{ rule = level }}",
            hint='e.g. "taxonomy/knowledge/legacy/**" = { version-required = "warning" }',
            location=settings.locate(RULES, PER_PATH),
        )
    out = []
    for glob, table in raw.items():
        if not isinstance(table, Mapping) or not str(glob).strip():
            raise LabtaxError(
                f"{PER_PATH} entry {glob!r} must map a non-empty glob to a table of rule levels",
                hint=f'e.g. "{glob or "taxonomy/knowledge/**"}" = {{ word-limit = "off" }}',
                location=settings.locate(RULES, PER_PATH, str(glob)),
            )
        at = (RULES, PER_PATH, str(glob))
        rules = tuple(_rule_level(at, k, v, known, settings) for k, v in table.items())
        out.append(PathRuleLevels(str(glob), rules))
    return out


def _rule_level(
    table: tuple[str, ...],
    key: str,
    value: object,
    known: Collection[str] | None,
    settings: SettingsFile,
) -> RuleLevel:
    if known is not None and key not in known:
        raise LabtaxError(
            f"unknown rule id {key!r} in {settings.name(RULES)}",
            hint=f"valid rule ids: {', '.join(sorted(known))}",
            location=settings.locate(*table, key),
        )
    if not isinstance(value, str) or value not in LEVELS:
        raise LabtaxError(
            f"unknown level {value!r} for rule {key!r} in {settings.name(RULES)}",
            hint=f"valid levels: {', '.join(LEVELS)}",
            location=settings.locate(*table, key),
        )
    return key, LEVELS[value]

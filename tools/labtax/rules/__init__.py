"""The rule registry: every id a `labtax validate` diagnostic can carry, with its level and hint.

Load problems (found by `leaves`) and schema errors (found by `schemas`) are listed here too, so
this registry is the complete rule list; the README's rule table is generated from it and a test
keeps the two identical. Rules with a `check` run, in this order, on every readable file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from labtax import schemas
from labtax.diagnostics import Diagnostic, Level
from labtax.rules import (
    attribution,
    document_repo,
    duplicate_question,
    grounded_context,
    hygiene_crlf,
    hygiene_final_newline,
    hygiene_tab,
    hygiene_trailing_space,
    leaf_branch,
    leaf_file_name,
    nested_leaf,
    path_segment,
    qa_extra_key,
    version_deprecated,
    version_required,
    word_limit,
)
from labtax.rules.subject import Subject
from labtax.yamldoc import LOAD_RULES

Check = Callable[[Subject], list[Diagnostic]]


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    summary: str
    hint: str
    legacy_warning: bool = False  # a warning, not an error, in version 1 leaves
    check: Check | None = None  # None: reported while loading or by the schema check

    @property
    def level_text(self) -> str:
        return (
            f"{self.level.value} (warning in v1 leaves)"
            if self.legacy_warning
            else self.level.value
        )


# Checked before the file is read: a misnamed file is reported and nothing else is.
NAME_RULE = leaf_file_name
_CHECKED: tuple[ModuleType, ...] = (
    hygiene_trailing_space,
    hygiene_final_newline,
    hygiene_crlf,
    hygiene_tab,
    path_segment,
    leaf_branch,
    attribution,
    nested_leaf,
    version_deprecated,
    version_required,
    grounded_context,
    word_limit,
    duplicate_question,
    qa_extra_key,
    document_repo,
)


def _registry() -> dict[str, Rule]:
    rules = {
        rule_id: Rule(rule_id, Level.ERROR, load.summary, load.hint)
        for rule_id, load in LOAD_RULES.items()
    }
    rules[schemas.SCHEMA_RULE] = Rule(
        schemas.SCHEMA_RULE,
        Level.ERROR,
        "the leaf does not match the JSON Schema for its kind and version (schema/*.json)",
        "follow the message: add the missing key, remove the unknown one, fix the value",
    )
    rules[schemas.VERSION_RULE] = Rule(
        schemas.VERSION_RULE,
        Level.ERROR,
        "the leaf's version is not supported (knowledge below 3, or no such version)",
        "set version: 3 and update the leaf to that format",
    )
    for module in (NAME_RULE, *_CHECKED):
        rules[module.ID] = Rule(
            module.ID,
            module.LEVEL,
            module.SUMMARY,
            module.HINT,
            module.LEGACY_WARNING,
            module.check,
        )
    return rules


RULES: dict[str, Rule] = _registry()
CHECKS: tuple[Check, ...] = tuple(module.check for module in _CHECKED)


def markdown_table() -> str:
    """The README's rule table, generated from the registry."""
    lines = ["| id | level | what | fix |", "|---|---|---|---|"]
    lines.extend(
        f"| `{r.id}` | {r.level_text} | {_cell(r.summary)} | {_cell(r.hint)} |"
        for r in RULES.values()
    )
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")

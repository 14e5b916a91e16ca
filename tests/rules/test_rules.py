"""The rule registry is complete, every rule is well-formed, and the README lists exactly it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labtax import rules
from labtax.diagnostics import Level
from labtax.yamldoc import LOAD_RULES

README = Path(__file__).resolve().parents[2] / "README.md"
LEAVES = Path(__file__).resolve().parents[1] / "leaves"


def test_readme_rule_table_equals_the_registry() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- rules:start -->") + len("<!-- rules:start -->")
    end = text.index("<!-- rules:end -->")
    assert text[start:end].strip() == rules.markdown_table()


def test_registry_lists_load_problems_schema_and_every_checked_rule() -> None:
    ids = list(rules.RULES)
    assert len(ids) == len(set(ids))
    assert set(LOAD_RULES) <= set(ids)
    assert {"schema", "version-unsupported", "leaf-file-name"} <= set(ids)
    assert len([r for r in rules.RULES.values() if r.check]) == len(rules.CHECKS) + 1
    for rule in rules.RULES.values():
        assert rule.summary
        assert rule.hint
        assert isinstance(rule.level, Level)


def test_every_rule_module_has_the_rule_interface() -> None:
    for module in (rules.NAME_RULE, *rules._CHECKED):
        assert isinstance(module.ID, str)
        assert isinstance(module.LEVEL, Level)
        assert isinstance(module.HINT, str)
        assert callable(module.check)


@pytest.mark.parametrize("case", sorted((LEAVES / "bad").iterdir()), ids=lambda p: p.name)
def test_every_reported_rule_is_registered(case: Path, invoke) -> None:
    for record in json.loads(invoke("validate", "--format", "json", cwd=case).out):
        rule = rules.RULES[record["rule"]]
        assert record["level"] in {rule.level.value, "warning"}

"""Golden output for every case in tests/leaves/good and tests/leaves/bad.

Each case directory is a labtax project (its labtax.toml marks the root) and `expected.txt` is
exactly what `labtax validate --format text` prints there. Set LABTAX_UPDATE_GOLDEN=1 to rewrite
the expected files after an intended change, then review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

LEAVES = Path(__file__).resolve().parents[1] / "leaves"
GOOD = LEAVES / "good"
BAD = LEAVES / "bad"
CASES = sorted([*GOOD.iterdir(), *BAD.iterdir()])


def _id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_golden_text_output(case: Path, invoke) -> None:
    run = invoke("validate", "--format", "text", cwd=case)
    expected = case / "expected.txt"
    if os.environ.get("LABTAX_UPDATE_GOLDEN"):
        expected.write_text(run.out, encoding="utf-8")
    assert run.out == expected.read_text(encoding="utf-8")
    assert run.err == ""
    records = json.loads(invoke("validate", "--format", "json", cwd=case).out)
    errors = [r for r in records if r["level"] == "error"]
    assert run.code == (1 if errors else 0)
    if case.parent == GOOD:
        assert not errors
    else:
        assert records, "a bad case must produce at least one finding"
    for record in records:
        assert record["line"] >= 1
        assert record["col"] >= 1


@pytest.mark.parametrize("case", [c for c in CASES if c.name.startswith("hostile_")], ids=_id)
def test_hostile_input_gives_exactly_one_located_diagnostic(case: Path, invoke) -> None:
    run = invoke("validate", "--format", "json", cwd=case)
    records = json.loads(run.out)
    assert run.code == 1
    assert len(records) == 1
    assert records[0]["level"] == "error"
    assert records[0]["path"].endswith(".yaml")
    assert "Traceback" not in run.err


def test_warning_only_cases_fail_with_strict(invoke) -> None:
    case = BAD / "warn_version_2_skill"
    assert invoke("validate", cwd=case).code == 0
    assert invoke("validate", "--strict", cwd=case).code == 1

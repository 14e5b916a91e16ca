"""Same accept/reject verdict as instructlab-schema 0.4.2 on real InstructLab leaves.

The leaves and that tool's verdicts live outside this repository, in ../shared/compat/instructlab
(INDEX.md, column "validate SCHEMA_VERSION=0 (file's version)"); they are read in place.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from labtax.config import Config
from labtax.diagnostics import Level
from labtax.validation import validate_files

COMPAT = Path(__file__).resolve().parents[2] / ".." / "shared" / "compat" / "instructlab"
COLUMN = "validate SCHEMA_VERSION=0 (file's version)"


def _rows() -> list[dict[str, str]]:
    index = COMPAT / "INDEX.md"
    if not index.is_file():
        return []
    table = [line for line in index.read_text().splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    return [
        dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=True))
        for line in table[1:]
        if not line.startswith("|---")
    ]


ROWS = _rows()
pytestmark = pytest.mark.skipif(not ROWS, reason="compat corpus not present")


def _config(source: Path) -> Config:
    # InstructLab's layout: the branches sit at the repository root.
    return Config(source, source, source / "generated", source / ".cache")


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['source']}/{r['path']}")
def test_same_verdict_as_instructlab_schema(row: dict[str, str]) -> None:
    source = (COMPAT / row["source"]).resolve()
    report = validate_files(_config(source), [source / row["path"]])
    errors = [d for d in report.diagnostics if d.level is Level.ERROR]
    instructlab_accepts = row[COLUMN].startswith("0E/")
    assert (not errors) is instructlab_accepts, [str(d) for d in report.diagnostics]
    if "must be named" in row[COLUMN]:
        assert [d.rule for d in report.diagnostics] == ["leaf-file-name"]
    if "is not supported for knowledge" in row[COLUMN]:
        assert [d.rule for d in errors] == ["version-unsupported"]


def test_the_index_covers_valid_and_invalid_leaves() -> None:
    verdicts = {row[COLUMN].startswith("0E/") for row in ROWS}
    assert verdicts == {True, False}
    assert len(ROWS) >= 20

"""A data diff as JSON: versioned, sorted, ASCII-only so no character hides."""

from __future__ import annotations

import json
from pathlib import Path

import datafiles
from labtax import datadiff
from labtax.dataset import store
from labtax.render import datadiff_json


def diff_of(tmp_path: Path) -> datadiff.DataDiff:
    datafiles.write_leaf(tmp_path / "old", "knowledge/a", [("Q1?", "A1."), ("Q2?", "A2.")])
    datafiles.write_leaf(
        tmp_path / "new", "knowledge/a", [("Q1?", "A1 \u202eevil."), ("Q3?", "A3.")]
    )
    return datadiff.diff_datasets(
        store.load_directory(tmp_path / "old"),
        store.load_directory(tmp_path / "new"),
        base="old",
        head="new",
    )


def test_the_document_is_the_diff_with_a_schema_version(tmp_path: Path) -> None:
    diff = diff_of(tmp_path)
    document = json.loads(datadiff_json.render(diff))
    assert document.pop("labtax_data_diff") == datadiff_json.SCHEMA_VERSION == 3
    assert set(document) == {"base", "head", "summary", "pending", "outdated_base", "leaves"}
    assert [leaf["leaf_id"] for leaf in document["leaves"]] == ["knowledge/a"]
    assert document["leaves"][0]["counts"] == {
        "added": 1,
        "removed": 1,
        "changed": 1,
        "unchanged": 0,
    }
    assert (document["base"], document["head"]) == ("old", "new")


def test_output_is_ascii_sorted_and_ends_with_a_newline(tmp_path: Path) -> None:
    text = datadiff_json.render(diff_of(tmp_path))
    assert text.isascii()
    assert "\\u202e" in text
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"

"""What `labtax eval --format json` prints: each leaf's outcome, its score and its stored file."""

from __future__ import annotations

import json

import mapdata
from labtax.evaluation.run import EvalSummary, LeafEvalResult
from labtax.render import evaluation_json


def test_each_leaf_with_its_score_failures_and_file_in_plain_ascii():
    result = EvalSummary(
        (
            LeafEvalResult("k/good", "evaluated", mapdata.evaluation("k/good", [9, 8])),
            LeafEvalResult("k/same", "fresh", mapdata.evaluation("k/same", [3, None])),
            LeafEvalResult("k/late\u202e", "unfinished", message="call budget reached"),
        ),
        "call budget reached",
    )
    text = evaluation_json.render("openai/student", "openai/judge", result)
    assert text.isascii()
    assert text.endswith("}\n")
    document = json.loads(text)
    assert document["labtax_eval"] == evaluation_json.SCHEMA_VERSION
    assert (document["student"], document["judge"]) == ("openai/student", "openai/judge")
    good, same, late = document["leaves"]
    assert good["mean_score"] == 8.5
    assert good["evaluated"] == 2
    assert good["failed"] == 0
    assert good["message"] is None
    assert good["file"].endswith("/k/good.json")
    assert (same["status"], same["evaluated"], same["failed"]) == ("fresh", 1, 1)
    assert late["leaf"] == "k/late\u202e"
    assert late["mean_score"] is None
    assert late["message"] == "call budget reached"

"""The student section of the sticky comment: a table, untrusted names in code spans."""

from __future__ import annotations

import mapdata
from labtax.evaluation.run import EvalSummary, LeafEvalResult
from labtax.render import evaluation_markdown


def test_a_row_per_leaf_with_what_its_score_means():
    result = EvalSummary(
        (
            LeafEvalResult("k/new", "evaluated", mapdata.evaluation("k/new", [2, 3])),
            LeafEvalResult("k/known", "fresh", mapdata.evaluation("k/known", [9, 10])),
            LeafEvalResult("k/@team <b>x</b>", "not evaluated", mapdata.evaluation("k/x", [None])),
            LeafEvalResult("k/late", "unfinished"),
        )
    )
    text = evaluation_markdown.section("openai/s", "openai/j", result)
    lines = text.splitlines()
    assert lines[0] == "### How the current student scores on these leaves"
    assert "Student `openai/s`, judged by `openai/j`" in text
    assert "| `k/new` | 2.5/10 | 2 of 2 | new to the student |" in lines
    assert "| `k/known` | 9.5/10 | 2 of 2 | the student knows it already |" in lines
    bad = next(line for line in lines if "@team" in line)
    assert bad.startswith("| `k/@team <b>x</b>` | not evaluated | 0 of 1 | `1 x no answer")
    assert "| `k/late` | n/a | | unfinished |" in lines


def test_no_leaves():
    text = evaluation_markdown.section("s", "j", EvalSummary(()))
    assert "No leaf of this pull request needed evaluating." in text

"""What `labtax eval` prints: a line per leaf, the totals, and the failures per leaf."""

from __future__ import annotations

import mapdata
from labtax.evaluation.run import EvalSummary, LeafEvalResult
from labtax.render import evaluation_text
from labtax.usage import Usage


def summary() -> EvalSummary:
    return EvalSummary(
        (
            LeafEvalResult("k/good", "evaluated", mapdata.evaluation("k/good", [9, 8])),
            LeafEvalResult("k/down", "not evaluated", mapdata.evaluation("k/down", [None])),
            LeafEvalResult("k/same", "fresh", mapdata.evaluation("k/same", [3, None])),
            LeafEvalResult("k/late\x1b[2J", "unfinished", message="call budget reached"),
        ),
        "call budget reached",
    )


def test_lines_per_leaf_and_totals():
    text = evaluation_text.summary("s", "j", summary(), Usage(calls=4, cached_calls=2))
    lines = text.splitlines()
    assert lines[0] == "student s, judged by j: 4 leaves"
    assert lines[1] == "  k/good  8.5/10 over 2 questions: the student knows it already"
    assert lines[2].startswith("  k/down  not evaluated: 1 x no answer from the student")
    assert (
        lines[3] == "  k/same  3.0/10 over 1 question, 1 failed: new to the student  (up to date)"
    )
    assert lines[4] == "  k/late\\u001b[2J  unfinished"
    assert lines[5].startswith(
        "1 evaluated now, 1 not evaluated (no question scored), 1 already up to date (no calls),"
        " 1 unfinished (stopped by the budget); 4 calls"
    )


def test_nothing_scored_is_never_evaluated_now():
    down = LeafEvalResult("k/down", "not evaluated", mapdata.evaluation("k/down", [None]))
    text = evaluation_text.summary("s", "j", EvalSummary((down, down)), Usage())
    assert text.splitlines()[-1].startswith(
        "0 evaluated now, 2 not evaluated (no question scored), 0 already up to date"
    )
    stopped = LeafEvalResult("k/late", "unfinished", message="call budget reached")
    problems = evaluation_text.problems(EvalSummary((stopped,), "call budget reached"))
    assert problems.splitlines()[0] == "1 leaf unfinished; the leaves:"


def test_problems_name_each_leaf():
    text = evaluation_text.problems(summary())
    lines = text.splitlines()
    assert lines[0] == "2 questions failed, 1 leaf not evaluated, 1 leaf unfinished; the leaves:"
    assert lines[1].startswith("k/down: not evaluated, 1 question failed: 1 x no answer")
    assert lines[2].startswith("k/same: fresh, 1 question failed")
    assert lines[3] == "k/late\\u001b[2J: unfinished: call budget reached"
    assert evaluation_text.problems(EvalSummary(())) == ""

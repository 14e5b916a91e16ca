"""The student section of the sticky comment: a table, untrusted names in code spans."""

from __future__ import annotations

from dataclasses import replace

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


def unreachable(leaf: str, where: str) -> LeafEvalResult:
    found = mapdata.evaluation(leaf, [None])
    failure = f"no answer from the student: cannot reach the student at {where}: refused"
    outcome = replace(found.outcomes[0], failure=failure)
    return LeafEvalResult(leaf, "not evaluated", replace(found, outcomes=(outcome,)))


def test_failure_reasons_never_show_the_students_server():
    result = EvalSummary(
        (
            unreachable("k/a", "http://10.1.2.3:8000/v1"),
            unreachable("k/b", "https://vllm.internal.example/v1"),
            unreachable("k/c", "gpu-box-7:8000"),
        )
    )
    text = evaluation_markdown.section("openai/s", "openai/j", result)
    for hidden in ("10.1.2.3", "vllm.internal", "gpu-box-7", "http"):
        assert hidden not in text
    assert "cannot reach the student at <server>: refused" in text


def test_the_section_keeps_to_its_budget_beside_the_capped_data_diff():
    from labtax.ci.comment import MAX_COMMENT_CHARS

    long_id = "k/" + "deep/" * 30
    result = EvalSummary(tuple(unreachable(f"{long_id}{n}", "http://x:1/v1") for n in range(200)))
    text = evaluation_markdown.section("openai/" + "s" * 150, "openai/j", result)
    assert len(text) <= evaluation_markdown.MAX_CHARS
    assert text.rstrip().endswith("more leaves are in the job's log._")
    # The workflow's diff is capped at 60,000; the comment's own lines need about 1,000.
    assert 60_000 + evaluation_markdown.MAX_CHARS + 1_000 <= MAX_COMMENT_CHARS

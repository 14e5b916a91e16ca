"""The student's scores on a pull request's leaves, as a short section of the sticky comment.

Leaf ids and failure reasons are untrusted: they appear only as code spans.
"""

from __future__ import annotations

from labtax import sanitize
from labtax.evaluation.records import HIGH_SCORE, LOW_SCORE, reading
from labtax.evaluation.run import EvalSummary
from labtax.render import figures

# The section stays short next to the data diff, which has the rest of the comment's room.
MAX_ROWS = 30


def section(student: str, judge: str, result: EvalSummary) -> str:
    """A markdown section: one table row per leaf, with what its score means."""
    lines = [
        "### How the current student scores on these leaves",
        "",
        f"Student {sanitize.code_span(student)}, judged by {sanitize.code_span(judge)} against"
        " each leaf's held-out answers, 1 to 10. A low score (below"
        f" {LOW_SCORE:g}) means the leaf teaches the student something new; a high one"
        f" ({HIGH_SCORE:g} or more) means the student knows it already.",
        "",
    ]
    if not result.results:
        return "\n".join([*lines, "No leaf of this pull request needed evaluating.", ""])
    lines += ["| leaf | score | questions | reading |", "|---|---|---|---|"]
    for r in result.results[:MAX_ROWS]:
        found = r.evaluation
        leaf = sanitize.code_span(r.leaf_id)
        if found is None:
            lines.append(f"| {leaf} | n/a | | {r.status} |")
            continue
        asked = f"{found.evaluated} of {len(found.outcomes)}"
        if found.mean_score is None:
            why = sanitize.code_span(found.reason or "", limit=120)
            lines.append(f"| {leaf} | not evaluated | {asked} | {why} |")
        else:
            score = figures.score(found.mean_score)
            lines.append(f"| {leaf} | {score} | {asked} | {reading(found.mean_score)} |")
    if len(result.results) > MAX_ROWS:
        lines.append(f"\n_{len(result.results) - MAX_ROWS} more leaves are in the job's log._")
    return "\n".join([*lines, ""])

"""The student's scores on a pull request's leaves, as a short section of the sticky comment.

Leaf ids and failure reasons are untrusted: they appear only as code spans. The section is
appended to a data diff capped at 60,000 characters, so it has a budget of its own
(`MAX_CHARS`): the two fit in one comment and neither is cut. Server addresses in failure
reasons (the student's API base is often an internal host) are never shown on a public page.
"""

from __future__ import annotations

import re

from labtax import sanitize
from labtax.evaluation.records import HIGH_SCORE, LOW_SCORE, reading
from labtax.evaluation.run import EvalSummary, LeafEvalResult
from labtax.render import figures

# The section stays short next to the data diff, which has the rest of the comment's room:
# `labtax diff --max-chars 60000` plus this stays under `ci.comment.MAX_COMMENT_CHARS` with room
# for the comment's markers, heading and banner.
MAX_ROWS = 30
MAX_CHARS = 3_500
HIDDEN = "<server>"
# A URL (any scheme), or a bare IPv4 address or host name with a port.
_ADDRESS = re.compile(
    r"\b[a-z][a-z0-9+.-]*://\S+|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\b[\w.-]+:\d{2,5}\b", re.I
)


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
    rows = [_row(r) for r in result.results]
    used = sum(len(line) + 1 for line in lines)
    shown = 0
    for row in rows[:MAX_ROWS]:
        if used + len(row) + 1 + _NOTE_ROOM > MAX_CHARS:
            break
        lines.append(row)
        used += len(row) + 1
        shown += 1
    if shown < len(rows):
        lines.append(f"\n_{len(rows) - shown} more leaves are in the job's log._")
    return "\n".join([*lines, ""])


_NOTE_ROOM = 60


def _row(r: LeafEvalResult) -> str:
    found = r.evaluation
    leaf = sanitize.code_span(r.leaf_id)
    if found is None:
        return f"| {leaf} | n/a | | {r.status} |"
    asked = f"{found.evaluated} of {len(found.outcomes)}"
    if found.mean_score is None:
        why = sanitize.code_span(hide_addresses(found.reason or ""), limit=120)
        return f"| {leaf} | not evaluated | {asked} | {why} |"
    score = figures.score(found.mean_score)
    return f"| {leaf} | {score} | {asked} | {reading(found.mean_score)} |"


def hide_addresses(text: str) -> str:
    """`text` with every URL and host:port replaced by `HIDDEN`."""
    return _ADDRESS.sub(HIDDEN, text)

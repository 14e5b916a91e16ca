"""A student's evaluation run as JSON: each leaf's outcome and where its stored results are."""

from __future__ import annotations

from typing import Any

from labtax.evaluation import store
from labtax.evaluation.run import EvalSummary, LeafEvalResult
from labtax.util import json_document

SCHEMA_VERSION = 1


def render(student: str, judge: str, result: EvalSummary) -> str:
    document = {
        "labtax_eval": SCHEMA_VERSION,
        "student": student,
        "judge": judge,
        "leaves": [_leaf(student, r) for r in result.results],
    }
    # ASCII escapes keep invisible and bidirectional characters visible in any viewer.
    return json_document(document, ascii_only=True)


def _leaf(student: str, r: LeafEvalResult) -> dict[str, Any]:
    scored = r.evaluation
    return {
        "leaf": r.leaf_id,
        "status": r.status,
        "message": r.message or None,
        "mean_score": scored.mean_score if scored else None,
        "evaluated": scored.evaluated if scored else 0,
        "failed": r.failed_questions,
        "reason": scored.reason if scored else None,
        "file": f"{store.student_slug(student)}/{r.leaf_id}.json",
    }

"""Student evaluation per leaf: held-out questions, the student's answers, the judge's scores.

- `records`: what one leaf's evaluation is (`HeldOutQuestion`, `QuestionOutcome`,
  `LeafEvaluation`, `ModelParams`) and its fingerprint;
- `questions`: the held-out questions of a leaf (its seeds, plus an export's `test` split);
- `store`: `evaluations/<student slug>/<leaf_id>.json`, the one writer and the one strict reader;
- `run`: asking the student and the judge, concurrently, within the run's budget.

The names most callers need are importable from here.
"""

from __future__ import annotations

from labtax.evaluation.records import (
    EVALUATED,
    NOT_EVALUATED,
    HeldOutQuestion,
    LeafEvaluation,
    ModelParams,
    QuestionOutcome,
)
from labtax.evaluation.store import load_student, stored_students

__all__ = [
    "EVALUATED",
    "NOT_EVALUATED",
    "HeldOutQuestion",
    "LeafEvaluation",
    "ModelParams",
    "QuestionOutcome",
    "load_student",
    "stored_students",
]

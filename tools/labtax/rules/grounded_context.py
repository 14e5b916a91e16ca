"""A grounded skill example without a `context`."""

from __future__ import annotations

from labtax.diagnostics import Diagnostic, Level
from labtax.rules.examples import seed_examples
from labtax.rules.subject import Subject, finding

ID = "grounded-context"
LEVEL = Level.WARNING
LEGACY_WARNING = False
SUMMARY = "a grounded skill (a `grounded` directory on its path) has an example with no context"
HINT = "give every example of a grounded skill the context its answer is drawn from"


def check(subject: Subject) -> list[Diagnostic]:
    leaf = subject.leaf
    if leaf is None or leaf.branch == "knowledge" or "grounded" not in leaf.leaf_id.split("/"):
        return []
    return [
        finding(
            subject,
            leaf.positions.of_value(path),
            LEVEL,
            ID,
            f"seed_examples[{path[-1]}] of a grounded skill has no context",
            HINT,
        )
        for path, example in seed_examples(leaf)
        if not (isinstance(example.get("context"), str) and example["context"].strip())
    ]

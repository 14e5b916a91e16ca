"""The `Diagnostic` record, its ordering and counts, and the exit-code decision."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from labtax.errors import EXIT_FINDINGS, EXIT_OK

if TYPE_CHECKING:
    from labtax.yamldoc import LoadProblem


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding about one place in one file. Lines and columns are 1-based (0 = whole file)."""

    path: str
    line: int
    col: int
    level: Level
    rule: str
    message: str
    hint: str = ""

    @classmethod
    def from_problem(cls, path: str, problem: LoadProblem) -> Diagnostic:
        """The error a file that does not load is reported as (at least line 1, column 1)."""
        line, col = max(problem.line, 1), max(problem.col, 1)
        return cls(path, line, col, Level.ERROR, problem.rule, problem.message, problem.hint)


@dataclass(frozen=True)
class Counts:
    errors: int
    warnings: int
    files_with_findings: int


def count(diagnostics: Iterable[Diagnostic]) -> Counts:
    items = list(diagnostics)
    errors = sum(1 for d in items if d.level is Level.ERROR)
    return Counts(errors, len(items) - errors, len({d.path for d in items}))


def exit_code(diagnostics: Iterable[Diagnostic], *, strict: bool = False) -> int:
    """1 when any error (or, with `strict`, any warning) was found, else 0."""
    for d in diagnostics:
        if d.level is Level.ERROR or strict:
            return EXIT_FINDINGS
    return EXIT_OK

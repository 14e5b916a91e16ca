"""What a rule looks at: one discovered file, as far as it could be read and parsed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labtax.config import Config
from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import Leaf
from labtax.yamldoc import Pos


@dataclass(frozen=True)
class Subject:
    """One file under validation. `text` is None when unreadable; `leaf` None when unparsed."""

    config: Config
    file: Path  # as discovered (absolute or relative to the working directory)
    path: str  # project-relative POSIX path, as reports show it
    leaf_id: str | None  # the leaf directory relative to the taxonomy root; None outside it
    text: str | None
    leaf: Leaf | None
    version: int | None  # the version the leaf is checked at (1 when absent); None if unknown
    changed: bool = False  # added or changed against the base (a pull request's own work)

    @property
    def legacy(self) -> bool:
        """A version 1 leaf: InstructLab neither lints it nor checks its attribution."""
        return self.version == 1


def finding(  # noqa: PLR0917 - mirrors the Diagnostic fields
    subject: Subject, pos: Pos, level: Level, rule: str, message: str, hint: str
) -> Diagnostic:
    """A diagnostic about `subject` at a 1-based (line, col)."""
    line, col = pos
    return Diagnostic(subject.path, max(line, 1), max(col, 1), level, rule, message, hint)


def softened(subject: Subject, level: Level) -> Level:
    """Errors InstructLab does not enforce on version 1 leaves are warnings there."""
    return Level.WARNING if subject.legacy else level

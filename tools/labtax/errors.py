"""The one expected-error type, and how every outcome maps to an exit code."""

from __future__ import annotations

from dataclasses import dataclass

from labtax.sanitize import log_text, one_line

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Location:
    """Where an expected error is about: a file, and a 1-based line and column when known."""

    path: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col or 1}"
        return self.path


class LabtaxError(Exception):
    """An expected failure: bad input, missing ref, refused work. Exits 1 with `message` and `hint`.

    Library code raises it; only the CLI turns it into text and an exit code.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        location: Location | None = None,
        exit_code: int = EXIT_FINDINGS,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location
        self.exit_code = exit_code

    def render(self) -> str:
        """`where: error: message` and an indented hint line; a value can never add a line.

        Messages quote untrusted values (a leaf's document reference, git's stderr); each field is
        shown on one line, and no line can start a GitHub Actions workflow command.
        """
        where = f"{one_line(str(self.location))}: " if self.location else ""
        tail = f"\n  hint: {one_line(self.hint)}" if self.hint else ""
        return log_text(f"{where}error: {one_line(self.message)}{tail}")


class UsageError(LabtaxError):
    """Wrong flags or arguments: exit 2."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message, hint=hint, exit_code=EXIT_USAGE)

"""`Diagnostic` records: their order, their counts, and the exit code they lead to."""

from __future__ import annotations

from labtax.diagnostics import Counts, Diagnostic, Level, count, exit_code

E1 = Diagnostic("b.yaml", 3, 1, Level.ERROR, "schema", "m")
E2 = Diagnostic("a.yaml", 10, 2, Level.ERROR, "schema", "m")
W1 = Diagnostic("a.yaml", 2, 5, Level.WARNING, "word-limit", "m", "h")
W2 = Diagnostic("a.yaml", 10, 2, Level.WARNING, "nested-leaf", "m")


def test_diagnostics_sort_by_path_line_and_column() -> None:
    assert sorted([E1, W2, E2, W1]) == [W1, E2, W2, E1]


def test_count_errors_warnings_and_files_with_findings() -> None:
    assert count([E1, E2, W1, W2]) == Counts(errors=2, warnings=2, files_with_findings=2)
    assert count(iter([W1])) == Counts(0, 1, 1)
    assert count([]) == Counts(0, 0, 0)


def test_errors_fail_and_warnings_fail_only_when_strict() -> None:
    assert exit_code([W1, W2]) == 0
    assert exit_code([W1, W2], strict=True) == 1
    assert exit_code([W1, E1]) == 1
    assert exit_code([]) == 0
    assert exit_code([], strict=True) == 0


def test_a_diagnostic_is_a_value() -> None:
    assert Diagnostic("a.yaml", 1, 1, Level.ERROR, "r", "m") == Diagnostic(
        "a.yaml", 1, 1, Level.ERROR, "r", "m", ""
    )
    assert len({E1, E1, E2}) == 2
    assert Level.WARNING.value == "warning"


def test_a_file_that_does_not_load_is_an_error_at_least_at_line_1_column_1() -> None:
    from labtax.yamldoc import LoadProblem

    whole_file = Diagnostic.from_problem("a/qna.yaml", LoadProblem("yaml-syntax", "bad", 0, 0))
    assert (whole_file.line, whole_file.col, whole_file.level) == (1, 1, Level.ERROR)
    placed = Diagnostic.from_problem("a/qna.yaml", LoadProblem("yaml-syntax", "bad", 3, 7))
    assert (placed.line, placed.col, placed.rule, placed.message) == (3, 7, "yaml-syntax", "bad")
    assert placed.hint

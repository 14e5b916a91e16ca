"""The one expected-error type, where it points, and the exit codes."""

from __future__ import annotations

import pytest

from labtax import errors
from labtax.errors import LabtaxError, Location, UsageError


def test_the_exit_codes_are_the_documented_ones() -> None:
    assert (errors.EXIT_OK, errors.EXIT_FINDINGS, errors.EXIT_USAGE) == (0, 1, 2)
    assert (errors.EXIT_BUG, errors.EXIT_INTERRUPTED) == (3, 130)


@pytest.mark.parametrize(
    ("location", "shown"),
    [
        (Location("a/qna.yaml"), "a/qna.yaml"),
        (Location("a/qna.yaml", 3), "a/qna.yaml:3:1"),
        (Location("a/qna.yaml", 3, 7), "a/qna.yaml:3:7"),
        (Location("a/qna.yaml", 0, 7), "a/qna.yaml"),
    ],
)
def test_a_location_is_path_line_col_when_the_line_is_known(location: Location, shown: str) -> None:
    assert str(location) == shown


def test_render_gives_location_message_and_hint() -> None:
    error = LabtaxError("unknown ref 'x'", hint="git fetch", location=Location("repo", 1, 2))
    assert error.render() == "repo:1:2: error: unknown ref 'x'\n  hint: git fetch"
    assert LabtaxError("plain").render() == "error: plain"
    assert str(error) == "unknown ref 'x'"


def test_an_expected_error_exits_1_and_a_usage_error_2() -> None:
    assert LabtaxError("x").exit_code == errors.EXIT_FINDINGS
    assert LabtaxError("x", exit_code=7).exit_code == 7
    usage = UsageError("two directories or none", hint="see --help")
    assert isinstance(usage, LabtaxError)
    assert usage.exit_code == errors.EXIT_USAGE
    assert usage.render() == "error: two directories or none\n  hint: see --help"
    assert usage.location is None


def test_render_keeps_every_value_on_its_own_line() -> None:
    """A value holding a line break cannot add a line: no fake finding, no workflow command."""
    error = LabtaxError(
        "document.repo 'docs\n::error::forged' is not a directory",
        hint="fix it\n::add-mask::x",
        location=Location("a/qna.yaml\n::stop-commands::t", 3, 1),
    )
    lines = error.render().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("a/qna.yaml\\n::stop-commands::t:3:1: error: document.repo")
    assert "'docs\\n::error::forged'" in lines[0]
    assert lines[1] == "  hint: fix it\\n::add-mask::x"
    assert LabtaxError("x", location=Location("::error::p")).render() == "\\::error::p: error: x"

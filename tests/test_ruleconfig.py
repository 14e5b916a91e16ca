"""Per-rule levels from the settings: globs, precedence, and located errors for a bad table."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtax.commands._options import NAMES
from labtax.config import load_config
from labtax.diagnostics import Diagnostic, Level
from labtax.errors import LabtaxError
from labtax.ruleconfig import PathRuleLevels, RuleLevels, glob_regex

WARN, ERROR = Level.WARNING, Level.ERROR


@pytest.mark.parametrize(
    ("glob", "path", "matches"),
    [
        ("taxonomy/knowledge/**", "taxonomy/knowledge/a/b/qna.yaml", True),
        ("taxonomy/knowledge", "taxonomy/knowledge/a/qna.yaml", True),
        ("taxonomy/knowledge/", "taxonomy/knowledge/a/qna.yaml", True),
        ("./taxonomy/knowledge/*/qna.yaml", "taxonomy/knowledge/a/qna.yaml", True),
        ("taxonomy/knowledge/*/qna.yaml", "taxonomy/knowledge/a/b/qna.yaml", False),
        ("**/grounded/**", "taxonomy/compositional_skills/grounded/x/qna.yaml", True),
        ("taxonomy/knowledge_base", "taxonomy/knowledge/a/qna.yaml", False),
        ("taxonomy/know?edge/a", "taxonomy/knowledge/a/qna.yaml", True),
        ("taxonomy/[ab]", "taxonomy/[ab]/qna.yaml", True),
    ],
)
def test_globs_match_a_path_or_a_directory_above_it(glob: str, path: str, matches: bool) -> None:
    assert PathRuleLevels(glob, ()).matches(path) is matches


def test_double_star_crosses_directories_and_star_does_not() -> None:
    assert glob_regex("a/**/b") == "a/(?:.*/)?b"
    assert glob_regex("a/*.yaml") == r"a/[^/]*\.yaml"


def _finding(rule: str, path: str, level: Level = ERROR) -> Diagnostic:
    return Diagnostic(path, 1, 1, level, rule, "m", "h")


def test_per_path_wins_over_global_and_later_entries_over_earlier_ones() -> None:
    levels = RuleLevels(
        (("word-limit", WARN), ("attribution", None)),
        (
            PathRuleLevels("t/a/**", (("word-limit", None),)),
            PathRuleLevels("t/a/b", (("word-limit", ERROR),)),
        ),
    )
    found = [
        _finding("word-limit", "t/x/qna.yaml"),
        _finding("word-limit", "t/a/qna.yaml"),
        _finding("word-limit", "t/a/b/qna.yaml", WARN),
        _finding("attribution", "t/x/qna.yaml"),
        _finding("schema", "t/x/qna.yaml"),
    ]
    assert [(d.path, d.rule, d.level) for d in levels.apply(found)] == [
        ("t/x/qna.yaml", "word-limit", WARN),
        ("t/a/b/qna.yaml", "word-limit", ERROR),
        ("t/x/qna.yaml", "schema", ERROR),
    ]
    assert RuleLevels().apply(found) == found


def _settings(root: Path, name: str, text: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("name", "text", "where", "message", "hint"),
    [
        (
            "pyproject.toml",
            "[tool.labtax]\ntaxonomy = 't'\n\n[tool.labtax.rules]\nschema = 'error'\n"
            "word-limit = 'loud'\n",
            (6, 1),
            "unknown level 'loud' for rule 'word-limit' in [tool.labtax.rules]",
            "valid levels: error, warning, off",
        ),
        (
            "labtax.toml",
            "[rules.per-path]\n'a/**' = { schema = 'off' }\n"
            "'b/**' = { schema = 'off', nope = 'off' }\n",
            (3, 28),
            "unknown rule id 'nope' in [rules]",
            "valid rule ids: ",
        ),
        (
            "labtax.toml",
            "[rules]\nword-limit = 3\n",
            (2, 1),
            "unknown level 3 for rule 'word-limit' in [rules]",
            "valid levels: error, warning, off",
        ),
        (
            "labtax.toml",
            "[rules]\nper-path = ['a']\n",
            (2, 1),
            "[rules] per-path must be a table of glob = { rule = level }",
            "e.g.",
        ),
        (
            "labtax.toml",
            "rules = 'all'\n",
            (1, 1),
            "[rules] must be a table",
            "",
        ),
    ],
)
def test_a_bad_rules_table_is_an_error_at_the_offending_line(  # noqa: PLR0917
    tmp_path: Path, name: str, text: str, where: tuple[int, int], message: str, hint: str
) -> None:
    root = _settings(tmp_path / "p", name, text)
    with pytest.raises(LabtaxError) as caught:
        load_config(root, environ={}, names=NAMES)
    assert caught.value.message == message
    assert caught.value.hint.startswith(hint)
    location = caught.value.location
    assert location is not None
    assert (location.path, location.line, location.col) == (str(root / name), *where)


def test_a_good_rules_table_is_read_into_levels(tmp_path: Path) -> None:
    root = _settings(
        tmp_path / "p",
        "labtax.toml",
        "[rules]\nword-limit = 'off'\n[rules.per-path]\n'k/**' = { schema = 'warning' }\n",
    )
    rules = load_config(root, environ={}, names=NAMES).rules
    assert rules == RuleLevels(
        (("word-limit", None),), (PathRuleLevels("k/**", (("schema", WARN),)),)
    )
    assert load_config(_settings(tmp_path / "q", "labtax.toml", ""), environ={}).rules == (
        RuleLevels()
    )


def test_repeated_globstars_build_the_regex_of_one() -> None:
    # Twelve `**/` in a row would otherwise backtrack for seconds on a deep path.
    assert glob_regex("**/" * 12 + "x") == glob_regex("**/x")

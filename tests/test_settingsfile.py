"""The settings file: which one, its labtax table, and where each key is written in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtax.errors import LabtaxError
from labtax.settingsfile import SettingsFile, TomlPlaces, read_settings


def test_the_settings_file_and_its_labtax_table_are_found_once(tmp_path: Path) -> None:
    table, found = read_settings(tmp_path)
    # No file: the one a setting would be written in, with nothing in it.
    assert (table, found.path, found.prefix) == (
        {},
        tmp_path / "pyproject.toml",
        ("tool", "labtax"),
    )
    (tmp_path / "pyproject.toml").write_text("[tool.labtax.export]\nseed = 1\n")
    table, found = read_settings(tmp_path)
    assert (table, found.path, found.prefix) == (
        {"export": {"seed": 1}},
        found.path,
        ("tool", "labtax"),
    )
    assert found.name("export") == "[tool.labtax.export]"
    (tmp_path / "labtax.toml").write_text("[export]\nseed = 2\n")
    table, found = read_settings(tmp_path)
    assert (table, found.path, found.prefix) == (
        {"export": {"seed": 2}},
        tmp_path / "labtax.toml",
        (),
    )
    assert found.name("export") == "[export]"


TEXT = """\
[tool.labtax]
generated = "data"   # a comment
teacher.model = "m"

[tool.labtax.rules]
word-limit = "off"

[tool.labtax.rules.per-path]
"taxonomy/legacy/**" = { version-required = "warning", 'word-limit' = "off" }

[[tool.labtax.export.replay]]
path = "a.jsonl"
[[tool.labtax.export.replay]]
path = "b.jsonl"
"""


PER_PATH = ("tool", "labtax", "rules", "per-path")


@pytest.mark.parametrize(
    ("keys", "where"),
    [
        (("tool", "labtax"), (1, 1)),
        (("tool", "labtax", "generated"), (2, 1)),
        (("tool", "labtax", "teacher", "model"), (3, 1)),  # a dotted key
        (("tool", "labtax", "rules", "word-limit"), (6, 1)),
        (("tool", "labtax", "rules", "per-path", "taxonomy/legacy/**"), (9, 1)),
        # Keys of an inline table, bare and quoted, each at its own column.
        (
            ("tool", "labtax", "rules", "per-path", "taxonomy/legacy/**", "version-required"),
            (9, 26),
        ),
        (("tool", "labtax", "rules", "per-path", "taxonomy/legacy/**", "word-limit"), (9, 56)),
        # Arrays of tables are numbered.
        (("tool", "labtax", "export", "replay", 1, "path"), (14, 1)),
        # Not written: its nearest written parent.
        (("tool", "labtax", "rules", "no-such-rule"), (5, 1)),
        (("tool", "labtax", "teacher", "seed"), (1, 1)),
    ],
)
def test_every_key_is_located_where_it_is_written(keys, where) -> None:
    location = TomlPlaces.scan(TEXT, "pyproject.toml").locate(keys)
    assert (location.path, location.line, location.col) == ("pyproject.toml", *where)


def test_a_key_nowhere_points_at_the_file() -> None:
    location = TomlPlaces.scan("", "labtax.toml").locate(("x",))
    assert (str(location), location.line) == ("labtax.toml", 0)


def test_settings_that_are_not_toml_are_an_error_at_their_position(tmp_path: Path) -> None:
    (tmp_path / "labtax.toml").write_text('[rules]\nword-limit = "off\n')
    with pytest.raises(LabtaxError, match="not valid TOML") as caught:
        read_settings(tmp_path)
    assert caught.value.location is not None
    assert (caught.value.location.path, caught.value.location.line) == (
        str(tmp_path / "labtax.toml"),
        2,
    )


def test_locate_answers_below_the_labtax_table_of_either_file(tmp_path: Path) -> None:
    (tmp_path / "labtax.toml").write_text("[generation]\nsamples_per_leaf = 0\n")
    found = SettingsFile.find(tmp_path)
    assert found.locate("generation", "samples_per_leaf").line == 2

"""The options every subcommand spells the same way, and how a command finds its project."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from labtax.commands._options import base_option, format_option, project, taxonomy_option


@click.command()
@taxonomy_option
@base_option
@format_option(["text", "json"], default="text")
def probe(taxonomy: Path | None, base: str | None, fmt: str) -> dict[str, object]:
    return {"taxonomy": taxonomy, "base": base, "fmt": fmt}


def parse(*args: str) -> dict[str, object]:
    return probe.main(list(args), standalone_mode=False)


def test_defaults_leave_the_choice_to_the_settings() -> None:
    assert parse() == {"taxonomy": None, "base": None, "fmt": "text"}


def test_values_arrive_typed_under_their_names() -> None:
    assert parse("--taxonomy", "tree", "--base", "origin/main", "--format", "json") == {
        "taxonomy": Path("tree"),
        "base": "origin/main",
        "fmt": "json",
    }


def test_an_unknown_format_is_a_usage_error() -> None:
    with pytest.raises(click.BadParameter, match="yaml"):
        parse("--format", "yaml")


def test_taxonomy_must_not_be_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("x\n")
    with pytest.raises(click.BadParameter):
        parse("--taxonomy", "a_file")


def test_help_shows_the_metavar_the_default_and_the_choices() -> None:
    text = probe.get_help(click.Context(probe))
    assert "--base REF" in text
    assert "--format [text|json]" in text
    assert "[default: text]" in text
    assert "--taxonomy DIRECTORY" in text


def test_project_is_the_configuration_around_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "labtax.toml").write_text("taxonomy = 'tree'\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    config = project(None)
    assert config.root == tmp_path.resolve()
    assert config.taxonomy == (tmp_path / "tree").resolve()
    assert project(Path("other")).taxonomy == (tmp_path / "sub" / "other").resolve()

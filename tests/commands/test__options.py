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


def _two_repositories(tmp_path: Path) -> tuple[Path, Path]:
    """`proj` (git, labtax settings, a taxonomy/ with one leaf) and `here` (another git repo)."""
    from gitrepo import git
    from sampleleaves import HAIKU, HAIKU_DIR

    proj = tmp_path / "proj"
    leaf = proj / HAIKU_DIR
    leaf.mkdir(parents=True)
    (leaf / "qna.yaml").write_text(HAIKU)
    (leaf / "attribution.txt").write_text("Source: tests\n")
    (proj / "labtax.toml").write_text("generated = 'data'\n")
    git(proj, "init", "-q", "-b", "main")
    here = tmp_path / "here"
    (here / "taxonomy").mkdir(parents=True)
    git(here, "init", "-q", "-b", "main")
    return proj, here


def test_the_project_is_the_one_holding_the_taxonomy_not_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proj, here = _two_repositories(tmp_path)
    monkeypatch.chdir(here)
    config = project(Path("../proj/taxonomy"))
    assert (config.root, config.taxonomy) == (proj.resolve(), (proj / "taxonomy").resolve())
    assert config.generated == proj.resolve() / "data"
    # Paths that all lie outside the working directory's project pick theirs.
    config = project(None, [Path("../proj/taxonomy/compositional_skills")])
    assert config.root == proj.resolve()
    assert project(None, [Path("taxonomy")]).root == here.resolve()


def test_taxonomy_is_taken_before_the_subcommand_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clirun

    _, here = _two_repositories(tmp_path)
    monkeypatch.chdir(here)
    before = clirun.run("--taxonomy", "../proj/taxonomy", "validate")
    after = clirun.run("validate", "--taxonomy", "../proj/taxonomy")
    assert before == after
    assert (before.code, before.out) == (0, "0 errors, 0 warnings in 0 of 1 file\n")
    same = clirun.run(
        "--taxonomy", "../proj/taxonomy", "validate", "--taxonomy", "../proj/taxonomy"
    )
    assert same.code == 0
    clash = clirun.run("--taxonomy", "../proj/taxonomy", "validate", "--taxonomy", "taxonomy")
    assert clash.code == 2
    assert "--taxonomy given twice with different values" in clash.err


@pytest.mark.parametrize("command", ["validate", "fix", "status", "tree", "generate"])
def test_commands_in_a_repository_without_a_taxonomy_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    import clirun
    from gitrepo import git

    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "README.md").write_text("# not a taxonomy\n")
    monkeypatch.chdir(tmp_path)
    run = clirun.run(command)
    assert run.code == 1
    assert f"error: no taxonomy at {(tmp_path / 'taxonomy').resolve()}" in run.err
    assert "--taxonomy" in run.err


def test_from_a_directory_that_is_no_project_a_path_picks_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proj, _ = _two_repositories(tmp_path)
    monkeypatch.chdir(tmp_path)  # neither settings, a taxonomy nor git: /tmp, a home directory
    config = project(None, [Path("proj/taxonomy")])
    assert (config.root, config.taxonomy) == (proj.resolve(), (proj / "taxonomy").resolve())


def test_a_repository_nested_in_the_working_directory_is_the_project_of_its_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proj, here = _two_repositories(tmp_path)
    nested = here / "vendor" / "proj"
    nested.parent.mkdir()
    proj.rename(nested)
    monkeypatch.chdir(here)
    assert project(None, [Path("vendor/proj/taxonomy")]).root == nested.resolve()
    # A leaf folder named `taxonomy` is no project of its own.
    leaf = here / "taxonomy" / "knowledge" / "biology" / "taxonomy"
    leaf.mkdir(parents=True)
    (leaf.parent / "taxonomy").mkdir(exist_ok=True)
    assert project(None, [leaf.relative_to(here)]).root == here.resolve()

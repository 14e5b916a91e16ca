"""`labtax validate [PATH...]`: schema and lint diagnostics for taxonomy leaves."""

from __future__ import annotations

import os
from pathlib import Path

import click

from labtax.commands._options import base_option, format_option, project, taxonomy_option
from labtax.config import Config
from labtax.diagnostics import exit_code
from labtax.errors import LabtaxError, UsageError
from labtax.render.diagnostics import FORMATS, render, resolve_format


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--changed", is_flag=True, help="Only leaves changed against the base ref.")
@base_option
@format_option(
    FORMATS,
    default="auto",
    help="Output format (auto: github inside GitHub Actions, else text).",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@taxonomy_option
def command(  # noqa: PLR0917 - click passes every option positionally
    paths: tuple[Path, ...],
    changed: bool,
    base: str | None,
    fmt: str,
    strict: bool,
    taxonomy: Path | None,
) -> int:
    """Validate taxonomy leaves (default: the whole taxonomy) against the schema and lint rules."""
    from labtax import validation

    if base is not None and not changed:
        raise UsageError("--base only applies with --changed", hint="add --changed")
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    config = project(taxonomy)
    if not paths and not config.taxonomy.is_dir():
        raise LabtaxError(
            f"no taxonomy at {config.taxonomy}",
            hint="run labtax in a taxonomy repository, or point --taxonomy (or [tool.labtax] "
            "taxonomy) at the directory holding knowledge/, foundational_skills/, "
            "compositional_skills/",
        )
    if changed:
        report = validation.validate_files(config, _changed_files(config, base, paths))
    else:
        report = validation.validate(config, paths)
    style = resolve_format(fmt, os.environ)
    click.echo(render(report.diagnostics, report.files, style), nl=False)
    return exit_code(report.diagnostics, strict=strict)


def _changed_files(config: Config, base: str | None, paths: tuple[Path, ...]) -> list[Path]:
    """Files of changed leaves that still exist (deleted ones have nothing to validate)."""
    from labtax.changes import changed_leaves

    change_set = changed_leaves(config, base)
    files = [config.root / c.path for c in change_set.changes if c.status != "deleted"]
    # Misnamed YAML files under the taxonomy are not leaves, but validate reports them.
    files += [
        config.root / i.path
        for i in change_set.ignored
        if Path(i.path).suffix.lower() in {".yaml", ".yml"} and (config.root / i.path).is_file()
    ]
    if paths:
        scope = [p.resolve() for p in paths]
        files = [f for f in files if any(f.resolve().is_relative_to(s) for s in scope)]
    return sorted(set(files))

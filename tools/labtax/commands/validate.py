"""`labtax validate [PATH...]`: schema and lint diagnostics for taxonomy leaves."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from labtax.commands._options import (
    base_option,
    format_option,
    project,
    require_taxonomy,
    taxonomy_option,
    unmatched_paths_error,
)
from labtax.config import Config
from labtax.diagnostics import exit_code
from labtax.errors import LabtaxError, UsageError
from labtax.render.diagnostics import FORMATS, render, resolve_format
from labtax.util import absolute


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
@click.option(
    "--staged-deletions",
    is_flag=True,
    help="Also validate leaves whose attribution.txt is staged for deletion (pre-commit passes "
    "no deleted files); with no PATH, only those.",
)
@taxonomy_option
def command(  # noqa: PLR0917 - click passes every option positionally
    paths: tuple[Path, ...],
    changed: bool,
    base: str | None,
    fmt: str,
    strict: bool,
    staged_deletions: bool,
    taxonomy: Path | None,
) -> int:
    """Validate taxonomy leaves (default: the whole taxonomy) against the schema and lint rules.

    Leaves added or changed against the base (with --changed, or among the PATHs given) must be
    at the current format version.
    """
    from labtax import validation

    if base is not None and not changed:
        raise UsageError("--base only applies with --changed", hint="add --changed")
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    config = project(taxonomy, paths)
    if not paths and not staged_deletions:
        require_taxonomy(config)
    files, unmatched = validation.match_paths(config, paths)
    if unmatched:
        raise unmatched_paths_error(config, unmatched)
    if staged_deletions:
        files = sorted({*files, *_losing_attribution(config)})
    if changed:
        chosen = _changed_files(config, base, files if paths else ())
        report = validation.validate_files(config, chosen, changed=chosen)
    elif paths or staged_deletions:
        report = validation.validate_files(config, files, changed=_changed(config, files))
    else:
        report = validation.validate(config)
    style = resolve_format(fmt, os.environ)
    click.echo(render(report.diagnostics, report.files, style), nl=False)
    return exit_code(report.diagnostics, strict=strict)


def _changed(config: Config, files: Sequence[Path]) -> frozenset[Path]:
    from labtax.changes import changed_among

    return changed_among(config, files)


def _losing_attribution(config: Config) -> list[Path]:
    """Leaves whose attribution.txt is staged for deletion while the leaf stays."""
    from labtax import gitio, leaves

    try:
        top = gitio.toplevel(config.root)
    except LabtaxError:
        return []
    found = []
    for git_path in gitio.staged_deletions(cwd=top):
        path = top / git_path
        if path.name == leaves.ATTRIBUTION_NAME and (path.parent / leaves.LEAF_NAME).is_file():
            found.append(absolute(path.parent / leaves.LEAF_NAME))
    return found


def _changed_files(config: Config, base: str | None, scope: Sequence[Path]) -> list[Path]:
    """Files of changed leaves that still exist (deleted ones have nothing to validate), among
    the files `scope` stands for when it is not empty."""
    from labtax.changes import changed_leaves

    change_set = changed_leaves(config, base)
    files = [config.root / c.path for c in change_set.changes if c.status != "deleted"]
    # Misnamed YAML files under the taxonomy are not leaves, but validate reports them.
    files += [
        config.root / i.path
        for i in change_set.ignored
        if Path(i.path).suffix.lower() in {".yaml", ".yml"} and (config.root / i.path).is_file()
    ]
    chosen = sorted({absolute(f) for f in files})
    if scope:
        wanted = set(scope)
        chosen = [f for f in chosen if f in wanted]
    return chosen

"""`labtax fix [PATH...]`: repair trailing whitespace, final newlines, CRLF and tab indentation."""

from __future__ import annotations

from pathlib import Path

import click

from labtax.commands._options import (
    project,
    require_taxonomy,
    taxonomy_option,
    unmatched_paths_error,
)
from labtax.errors import EXIT_FINDINGS, EXIT_OK, UsageError
from labtax.util import plural


@click.command("fix")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@taxonomy_option
def command(paths: tuple[Path, ...], taxonomy: Path | None) -> int:
    """Repair mechanical problems in leaves in place (default: the whole taxonomy).

    A repair never changes what a file means: whitespace that is part of a value (inside a block
    scalar) is left alone and reported.
    """
    from labtax import fixer, validation, yamldoc

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    config = project(taxonomy, paths)
    if not paths:
        require_taxonomy(config)
    files, unmatched = validation.match_paths(config, paths)
    if unmatched:
        raise unmatched_paths_error(config, unmatched)
    changed = 0
    problems = 0
    for file in files if paths else validation.targets(config):
        if file.is_symlink():
            # Rewriting would replace the link with a copy; the target is fixed where it lives.
            click.echo(
                f"{config.rel(file)}: not fixed: a symlink (fix the file it points to)", err=True
            )
            problems += 1
            continue
        try:
            yamldoc.read_bytes(file, config.root, config.max_file_bytes).decode("utf-8")
            fix = fixer.fix_file(file)
        except (yamldoc.LoadProblem, UnicodeDecodeError, OSError) as exc:
            click.echo(f"{config.rel(file)}: not fixed: {_reason(exc)}", err=True)
            problems += 1
            continue
        if fix.changed:
            changed += 1
        for part in fix.describe():
            click.echo(f"{config.rel(file)}: {part}")
        problems += fix.left_alone
    click.echo(f"fixed {plural(changed, 'file')}")
    return EXIT_FINDINGS if problems else EXIT_OK


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not valid UTF-8"
    return getattr(exc, "message", None) or str(exc)

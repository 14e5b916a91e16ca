"""`labtax fix [PATH...]`: repair trailing whitespace, final newlines, CRLF and tab indentation."""

from __future__ import annotations

from pathlib import Path

import click

from labtax.commands._options import project, taxonomy_option
from labtax.errors import EXIT_FINDINGS, EXIT_OK, UsageError


@click.command("fix")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@taxonomy_option
def command(paths: tuple[Path, ...], taxonomy: Path | None) -> int:
    """Repair mechanical problems in leaves in place (default: the whole taxonomy)."""
    from labtax import fixer, validation, yamldoc

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    config = project(taxonomy)
    changed = 0
    problems = 0
    for file in validation.targets(config, paths):
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
        problems += bool(fix.tabs_unfixable)
    click.echo(f"fixed {changed} file{'' if changed == 1 else 's'}")
    return EXIT_FINDINGS if problems else EXIT_OK


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not valid UTF-8"
    return getattr(exc, "message", None) or str(exc)

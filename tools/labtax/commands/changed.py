"""`labtax changed`: list the leaves changed against a base ref, and why they count."""

from __future__ import annotations

from pathlib import Path

import click

from labtax.changes import changed_leaves
from labtax.commands._options import base_option, format_option, project, taxonomy_option
from labtax.errors import EXIT_OK
from labtax.render import changes as render


@click.command(name="changed")
@base_option
@format_option(["text", "json"], default="text")
@click.option(
    "--no-untracked",
    "no_untracked",
    is_flag=True,
    help="Leave untracked files out (only committed, staged and unstaged changes count).",
)
@taxonomy_option
def command(base: str | None, fmt: str, no_untracked: bool, taxonomy: Path | None) -> int:
    """List leaves whose content differs between merge-base(BASE, HEAD) and the working tree.

    Committed, staged, unstaged and untracked changes count. Exits 0 whether or not anything
    changed; 1 on an error such as an unknown base ref.
    """
    config = project(taxonomy)
    result = changed_leaves(config, base, untracked=not no_untracked)
    if fmt == "json":
        click.echo(render.json_text(result), nl=False)
    else:
        click.echo(render.text(result), nl=False)
        click.echo(render.summary(result), err=True)
    return EXIT_OK

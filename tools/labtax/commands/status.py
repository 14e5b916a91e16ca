"""`labtax status`: leaves whose generated data is missing or stale (exit 1 when any)."""

from __future__ import annotations

from pathlib import Path

import click

from labtax import dataset, sanitize
from labtax.commands._options import format_option, project, require_taxonomy, taxonomy_option
from labtax.errors import EXIT_FINDINGS, EXIT_OK
from labtax.util import json_document, plural


@click.command("status")
@format_option(["text", "json"], default="text")
@click.option("--all", "show_all", is_flag=True, help="Also list leaves whose data is fresh.")
@taxonomy_option
def command(fmt: str, show_all: bool, taxonomy: Path | None) -> int:
    """List leaves whose data is missing or stale (inputs changed since it was generated).

    Data left behind by a deleted leaf is listed as orphaned. Exits 1 when anything needs
    `labtax generate`, 0 when all data is up to date.
    """
    config = project(taxonomy)
    require_taxonomy(config)
    states = dataset.statuses(config)
    pending = [s for s in states if s.state != "fresh"]
    shown = states if show_all else pending
    if fmt == "json":
        counts: dict[str, int] = {}
        for item in states:
            counts[item.state] = counts.get(item.state, 0) + 1
        document = {
            "leaves": [
                {"detail": s.detail, "leaf": s.leaf_id, "path": s.path, "state": s.state}
                for s in shown
            ],
            "summary": dict(sorted(counts.items())),
        }
        click.echo(json_document(document, ascii_only=False), nl=False)
    else:
        for item in shown:
            detail = f"  ({sanitize.name(item.detail, limit=None)})" if item.detail else ""
            click.echo(f"{item.state:<9} {sanitize.name(item.leaf_id, limit=None)}{detail}")
        fresh = len(states) - len(pending)
        click.echo(
            f"{plural(len(pending), 'leaf needs', 'leaves need')} generation, {fresh:,} up to date"
            + ("; run `labtax generate` to bring them up to date" if pending else ""),
            err=True,
        )
    return EXIT_FINDINGS if pending else EXIT_OK

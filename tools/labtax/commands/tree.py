"""`labtax tree`: the taxonomy as a tree with per-leaf seeds, kept samples and data freshness."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click

from labtax import coverage
from labtax.commands._options import format_option, project, require_taxonomy, taxonomy_option
from labtax.errors import EXIT_FINDINGS, EXIT_OK
from labtax.evaluation.store import default_student
from labtax.util import json_document


@click.command(name="tree")
@format_option(["text", "json"], default="text")
@click.option(
    "--student",
    metavar="MODEL",
    default=None,
    help="Show this student's scores (default: the configured student, else the only one with"
    " stored evaluations).",
)
@taxonomy_option
def command(*, fmt: str, student: str | None, taxonomy: Path | None) -> int:
    """Show the taxonomy with per-leaf coverage: seeds, kept samples, rejection rate, freshness,
    the diversity of the kept questions and the student's score.

    Exits 1 when a leaf, its generated data or a stored evaluation cannot be read (the tree is
    still shown); a score whose leaf changed since is marked outdated.
    """
    config = project(taxonomy)
    require_taxonomy(config)
    model = student or default_student(config)
    tree = coverage.build_tree(coverage.coverage(config, model))
    if fmt == "json":
        document = {"labtax_tree": 1, "student": model, **tree.as_dict()}
        click.echo(json_document(document, ascii_only=True), nl=False)
    else:
        from labtax.render import coverage_text

        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        width = shutil.get_terminal_size((100, 24)).columns
        shown = coverage_text.render(tree, color=color, width=width, student=model)
        click.echo(shown, nl=False)
    return EXIT_FINDINGS if tree.has_problems else EXIT_OK

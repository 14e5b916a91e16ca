"""`labtax export`: write LAB's phased-training mix (knowledge, then skills) from generated/."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import click

from labtax.commands._options import project, require_taxonomy, taxonomy_option
from labtax.errors import EXIT_OK
from labtax.export import export_mix, load_recipe, with_formats
from labtax.render import export_text


@click.command("export")
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--recipe",
    "recipe_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="The recipe, YAML or TOML (default: [tool.labtax.export], else the defaults).",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(["jsonl", "parquet"]),
    multiple=True,
    help="Write Parquet copies of the row files too (JSONL is always written).",
)
@click.option(
    "--allow-stale",
    is_flag=True,
    help="Export the data there is when some leaves' data is stale or missing (the card says so).",
)
@taxonomy_option
def command(
    *,
    out: Path,
    recipe_file: Path | None,
    formats: tuple[str, ...],
    allow_stale: bool,
    taxonomy: Path | None,
) -> int:
    """Write the training mix of generated/ to OUT: OUT/knowledge/ and OUT/skills/, each with
    train.jsonl and test.jsonl, the resolved recipe (OUT/recipe.yaml) and a dataset card
    (OUT/README.md) that `datasets.load_dataset(OUT, "knowledge")` reads.

    The mix is built beside OUT and replaces it only when complete (Ctrl-C and SIGTERM leave
    OUT as it was); OUT must be new, empty, or a previous export holding only what an export
    writes (other files are listed, never deleted). Same inputs and recipe, same bytes.
    """
    config = project(taxonomy)
    require_taxonomy(config)
    recipe = with_formats(load_recipe(config, recipe_file), formats)
    with terminate_interrupts():
        result = export_mix(config, out.absolute(), recipe, allow_stale=allow_stale)
    click.echo(export_text.summary(result))
    return EXIT_OK


@contextlib.contextmanager
def terminate_interrupts() -> Iterator[None]:
    """SIGTERM (a cancelled CI job, a stopped container) ends the export as Ctrl-C does: the
    half-built mix beside OUT is removed, OUT is left as it was, and the exit code is 130."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: signals cannot be handled here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

"""`labtax map`: the gap map as an offline HTML page and a static picture, and the gaps list."""

from __future__ import annotations

from pathlib import Path

import click

from labtax import coverage, gapmap
from labtax.commands._options import format_option, project, taxonomy_option
from labtax.errors import EXIT_FINDINGS, EXIT_OK, LabtaxError, Location, UsageError
from labtax.evaluation.store import default_student
from labtax.render import gaps_text
from labtax.util import json_document, write_atomic

EXTRA_HINT = "install the map extra: pip install 'labtax[map]' (plotly, matplotlib, squarify)"


@click.command("map")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--student",
    metavar="MODEL",
    default=None,
    help="Colour by this student's scores (default: the configured student, else the only one"
    " with stored evaluations).",
)
@click.option(
    "--picture",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The static picture, .png or .svg (default: OUT with the suffix .png; never OUT itself).",
)
@click.option(
    "--area",
    type=click.Choice(list(gapmap.AREAS)),
    default="samples",
    show_default=True,
    help="What a tile's area shows in the picture (the page has a selector).",
)
@click.option(
    "--colour",
    type=click.Choice(list(gapmap.COLOURS)),
    default="score",
    show_default=True,
    help="What a tile's colour shows in the picture (the page has a selector).",
)
@format_option(["text", "json"], default="text", help="How the gaps list is printed.")
@taxonomy_option
def command(
    *,
    out: Path,
    student: str | None,
    picture: Path | None,
    area: str,
    colour: str,
    fmt: str,
    taxonomy: Path | None,
) -> int:
    """Write the gap map to OUT (an HTML page that works offline) and a picture of it.

    Tiles are the taxonomy's leaves and branches, sized by kept samples or seeds and coloured by
    the student's score, data status, rejection rate or diversity; a leaf shows its figures and
    its lowest-scored questions. Prints the gaps: low scores, thin branches, few seeds, repetitive
    data. Exits 1 when a leaf, its data or a stored evaluation cannot be read (the map is still
    written).
    """
    shown = _paths(out, picture)
    config = project(taxonomy)
    model_name = student or default_student(config)
    tree = coverage.build_tree(coverage.coverage(config, model_name))
    model = gapmap.build_map(tree, model_name)
    try:
        from labtax.render import gap_map_html, gap_map_picture

        page = gap_map_html.render(model)
        _write(config.rel(out), out, page)
        gap_map_picture.draw(model, shown, area=area, colour=colour)
    except ImportError as exc:
        raise LabtaxError(
            f"`labtax map` needs {exc.name or 'plotly, matplotlib and squarify'}", hint=EXTRA_HINT
        ) from exc
    except OSError as exc:
        raise LabtaxError(
            f"cannot write the picture: {exc.strerror or exc}", location=Location(str(shown))
        ) from exc
    if fmt == "json":
        document = {
            "labtax_map": 1,
            "map": str(out),
            "picture": str(shown),
            **model.as_dict(),
        }
        click.echo(json_document(document, ascii_only=True), nl=False)
    else:
        click.echo(f"map: {out}\npicture: {shown}")
        click.echo(gaps_text.render(model.gaps), nl=False)
    return EXIT_FINDINGS if tree.has_problems else EXIT_OK


def _paths(out: Path, picture: Path | None) -> Path:
    """The picture's path, once OUT and it are usable: named, not the same file, and not
    something other than a regular file already (a device or a pipe is never replaced)."""
    if out.name in {"", ".", ".."}:
        raise UsageError(f"OUT {str(out)!r}: name the HTML file to write, like reports/map.html")
    shown = picture or out.with_suffix(".png")
    if shown.suffix.lower() not in {".png", ".svg"}:
        raise UsageError(f"--picture {shown}: use a .png or .svg file name")
    if _same(out, shown):
        raise UsageError(
            f"the picture {shown} would overwrite the map {out}",
            hint="name the map with .html (the picture is then OUT with .png), or pass --picture"
            " another file name",
        )
    for what, path in (("OUT", out), ("--picture", shown)):
        if path.exists() and not path.is_file():
            raise UsageError(
                f"{what} {path}: exists and is not a regular file; refusing to replace it"
            )
    return shown


def _same(one: Path, other: Path) -> bool:
    if one.resolve() == other.resolve():
        return True
    try:
        return one.samefile(other)
    except OSError:
        return False


def _write(label: str, path: Path, text: str) -> None:
    try:
        write_atomic(path, text, sync=False)
    except OSError as exc:
        raise LabtaxError(
            f"cannot write the map: {exc.strerror or exc}", location=Location(label)
        ) from exc

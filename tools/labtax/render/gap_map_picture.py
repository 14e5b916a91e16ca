"""The gap map as a static picture (PNG or SVG, by the file's suffix), drawn with matplotlib.

The rectangles are squarify's layout, nested: each branch is laid out inside its parent's
rectangle, below a strip holding its name, so the picture shows the same tiles, areas and colours
as the interactive page (`labtax.gapmap`). Labels are drawn where they fit. The output carries no
date or random ids, so the same map gives the same file.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from labtax import sanitize
from labtax.gapmap import GREY, LEGENDS, ROOT, SCALE, GapMap, Tile

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH, HEIGHT = 1200.0, 700.0
HEADER = 18.0
PAD = 3.0
FORMATS = {".png", ".svg"}


def draw(model: GapMap, path: Path, *, area: str = "samples", colour: str = "score") -> None:
    """Write the picture of `model` to `path` (.png or .svg)."""
    import matplotlib as mpl
    from matplotlib.colorbar import ColorbarBase
    from matplotlib.colors import LinearSegmentedColormap, Normalize
    from matplotlib.figure import Figure

    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"picture format {suffix!r}: use .png or .svg")
    with mpl.rc_context({"svg.hashsalt": "labtax-gap-map", "svg.fonttype": "none"}):
        figure = Figure(figsize=(12, 7.8), dpi=100)
        axes = figure.add_axes((0.01, 0.1, 0.98, 0.84))
        axes.set_xlim(0, WIDTH)
        axes.set_ylim(HEIGHT, 0)
        axes.set_axis_off()
        children: dict[str, list[Tile]] = defaultdict(list)
        for tile in model.tiles:
            children[tile.parent].append(tile)
        _layout(axes, children, ROOT, (0.0, 0.0, WIDTH, HEIGHT), area=area, colour=colour)
        who = f"student {model.student}" if model.student else "no student named"
        figure.suptitle(
            sanitize.escape_controls(f"labtax gap map: colour = {colour}, area = {area}; {who}"),
            fontsize=12,
        )
        bar = figure.add_axes((0.25, 0.045, 0.5, 0.022))
        ColorbarBase(
            bar,
            cmap=LinearSegmentedColormap.from_list("labtax", list(SCALE)),
            norm=Normalize(1, 10) if colour == "score" else Normalize(0, 1),
            orientation="horizontal",
        )
        bar.tick_params(labelsize=8)
        figure.text(0.5, 0.005, LEGENDS[colour], ha="center", fontsize=9, color="#333333")
        metadata = {"Date": None} if suffix == ".svg" else {"Software": None}
        figure.savefig(path, format=suffix[1:], metadata=metadata)


def _layout(
    axes: Axes,
    children: dict[str, list[Tile]],
    parent: str,
    box: tuple[float, float, float, float],
    *,
    area: str,
    colour: str,
) -> None:
    import squarify

    kids = sorted(children.get(parent, []), key=lambda t: -t.area[area])
    kids = [k for k in kids if k.area[area] > 0]
    x, y, width, height = box
    if not kids or width <= 1 or height <= 1:
        return
    sizes = squarify.normalize_sizes([k.area[area] for k in kids], width, height)
    for kid, rect in zip(kids, squarify.squarify(sizes, x, y, width, height), strict=True):
        inner = (rect["x"], rect["y"], rect["dx"], rect["dy"])
        if kid.id in children:
            _branch(axes, kid, inner, colour)
            header = HEADER if rect["dy"] > 3 * HEADER else 0.0
            nested = (
                rect["x"] + PAD,
                rect["y"] + header + PAD,
                rect["dx"] - 2 * PAD,
                rect["dy"] - header - 2 * PAD,
            )
            _layout(axes, children, kid.id, nested, area=area, colour=colour)
        else:
            _leaf(axes, kid, inner, colour)


def _branch(axes: Axes, tile: Tile, box: tuple[float, float, float, float], colour: str) -> None:
    from matplotlib.patches import Rectangle

    x, y, width, height = box
    axes.add_patch(Rectangle((x, y), width, height, facecolor="#f2f2f2", edgecolor="#555555"))
    if height > 3 * HEADER and width > 40:
        label = _fit(f"{tile.label}  {tile.caption[colour]}".strip(), width, 7.0)
        axes.text(x + 4, y + HEADER / 2 + 1, label, fontsize=9, weight="bold", va="center")


def _leaf(axes: Axes, tile: Tile, box: tuple[float, float, float, float], colour: str) -> None:
    from matplotlib.patches import Rectangle

    x, y, width, height = box
    fill = tile.colour[colour]
    hatch = "//" if fill == GREY else None
    axes.add_patch(
        Rectangle((x, y), width, height, facecolor=fill, edgecolor="white", hatch=hatch, lw=1.5)
    )
    if width < 30 or height < 16:
        return
    lines = [_fit(tile.label, width, 6.5)]
    if height >= 32 and tile.caption[colour]:
        lines.append(_fit(tile.caption[colour], width, 6.5))
    axes.text(x + width / 2, y + height / 2, "\n".join(lines), ha="center", va="center", fontsize=8)


def _fit(text: str, width: float, char_width: float) -> str:
    """`text` shortened to what `width` holds, control characters shown escaped."""
    shown = sanitize.escape_controls(text, keep_newlines=False)
    room = max(1, int(width / char_width))
    return shown if len(shown) <= room else shown[: max(1, room - 1)] + "\u2026"

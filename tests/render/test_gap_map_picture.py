"""The gap map's picture: a PNG or SVG of the same tiles, deterministic, not blank."""

from __future__ import annotations

import io

import pytest

import mapdata
from labtax.gapmap import build_map
from labtax.render import gap_map_picture


def test_png_is_drawn_with_colours_and_is_the_same_every_time(tmp_path):
    model = build_map(mapdata.sample_tree(), mapdata.STUDENT)
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    gap_map_picture.draw(model, first)
    gap_map_picture.draw(model, second)
    assert first.read_bytes() == second.read_bytes()
    from matplotlib import image

    pixels = image.imread(io.BytesIO(first.read_bytes()), format="png")
    assert pixels.shape[:2] == (780, 1200)
    assert pixels[..., :3].std() > 0.1
    # The score scale's red and green are both on the picture.
    rgb = (pixels[..., :3] * 255).round().astype(int).reshape(-1, 3).tolist()
    colours = {tuple(p) for p in rgb[::7]}
    assert any(r > 180 and g < 120 for r, g, _ in colours)
    assert any(g > 130 and r < 120 for r, g, _ in colours)


def test_svg_names_the_leaves_as_text_and_escapes_them(tmp_path):
    model = build_map(mapdata.sample_tree(), mapdata.STUDENT)
    path = tmp_path / "map.svg"
    gap_map_picture.draw(model, path, area="seeds", colour="diversity")
    text = path.read_text(encoding="utf-8")
    assert "haiku" in text
    assert "capitals" in text
    assert "<img" not in text
    assert "colour = diversity, area = seeds" in text
    assert "Date" not in text


def test_other_formats_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"use \.png or \.svg"):
        gap_map_picture.draw(build_map(mapdata.sample_tree()), tmp_path / "map.jpg")

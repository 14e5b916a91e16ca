"""The map's tiles: every node once, parents first, areas that add up, colours per mode."""

from __future__ import annotations

import mapdata
from labtax.gapmap import AREAS, COLOURS, GREY, ROOT, build_map, scale


def test_tiles_cover_every_node_with_summed_areas():
    model = build_map(mapdata.sample_tree(), mapdata.STUDENT)
    ids = [t.id for t in model.tiles]
    assert ids[0] == ROOT
    assert len(ids) == len(set(ids))
    assert f"{ROOT}/compositional_skills/writing/haiku" in ids
    seen: set[str] = set()
    for tile in model.tiles:
        assert tile.parent in seen or tile.id == ROOT
        seen.add(tile.id)
        below = [t for t in model.tiles if t.parent == tile.id]
        if below:
            for name in AREAS:
                assert tile.area[name] == sum(t.area[name] for t in below)
    empty = next(t for t in model.tiles if t.label == mapdata.HOSTILE)
    assert empty.area["samples"] == 1.0  # no data, still on the map
    assert model.judge == mapdata.JUDGE
    assert model.gaps


def test_colours_and_captions_per_mode():
    model = build_map(mapdata.sample_tree(), mapdata.STUDENT)
    tiles = {t.label: t for t in model.tiles}
    haiku, capitals, water = tiles["haiku"], tiles["capitals"], tiles["water"]
    for tile in (haiku, capitals, water):
        assert set(tile.colour) == set(tile.caption) == set(COLOURS)
    assert haiku.caption["score"] == "9.0/10"
    assert water.caption["score"] == "not evaluated"
    assert water.colour["score"] == GREY
    assert haiku.colour["score"] != capitals.colour["score"]
    assert capitals.caption["diversity"].startswith("distinct-2 ")
    assert tiles[mapdata.HOSTILE].caption["status"] == "missing"
    assert haiku.details["lowest"][0]["score"] == 8
    assert water.details["lowest"][0]["failure"].startswith("no answer from the student")


def test_the_scale_runs_red_to_green_with_grey_for_nothing():
    assert scale(0.0) == "#d73027"
    assert scale(0.5) == "#fee08b"
    assert scale(1.0) == "#1a9850"
    assert scale(2.0) == scale(1.0)
    assert scale(None) == GREY


def test_without_a_student_score_captions_are_empty():
    model = build_map(mapdata.sample_tree())
    assert {t.caption["score"] for t in model.tiles if t.leaf} == {"9.0/10", "2.0/10", ""}
    assert model.as_dict()["student"] is None

"""The gap map page, opened as a person would: in Debian's chromium, headless, offline.

The browser is driven through playwright with the system's chromium (never a downloaded browser);
`.ci/run` installs chromium when it is missing. Outside CI a machine without it skips these tests.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

import mapdata
from labtax.gapmap import ROOT, build_map
from labtax.render import gap_map_html

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def page_file(tmp_path: Path) -> Path:
    path = tmp_path / "map.html"
    model = build_map(mapdata.sample_tree(), mapdata.STUDENT)
    path.write_text(gap_map_html.render(model), encoding="utf-8")
    return path


def test_the_page_is_self_contained_and_escapes_untrusted_text(page_file: Path):
    text = page_file.read_text(encoding="utf-8")
    # plotly.js is inside the page: no script is loaded from anywhere (the browser test also
    # checks that the page asks for nothing outside itself).
    assert not re.search(r"<script[^>]+src=", text)
    assert len(text) > 1_000_000
    assert "Plotly.newPlot" in text
    # Neither the hostile leaf name nor the hostile question appears as markup.
    assert mapdata.HOSTILE not in text
    assert mapdata.HOSTILE_QUESTION not in text
    assert "&lt;img src=x" in text
    assert "\\u003c/script\\u003e" in text


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


def test_the_chart_renders_every_leaf_and_a_click_shows_its_details(page_file, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    outside: list[str] = []
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route(
        re.compile(r"^(?!file:|data:|blob:).*"),
        lambda route: (outside.append(route.request.url), route.abort()),
    )
    page.goto(page_file.as_uri())
    page.wait_for_selector("#labtax-map g.slice")
    ids = page.evaluate(
        "() => Array.from(document.querySelectorAll('#labtax-map g.slice'))"
        ".map(s => s.__data__.data.data.id)"
    )
    model = build_map(mapdata.sample_tree(), mapdata.STUDENT)
    leaves = [t.id for t in model.tiles if t.leaf]
    assert set(leaves) <= set(ids)
    assert len(ids) == len(model.tiles)
    captions = page.locator("#labtax-map text.slicetext").all_text_contents()
    assert any("not evaluated" in c for c in captions)

    haiku = f"{ROOT}/compositional_skills/writing/haiku"
    page.locator("#labtax-map g.slice").nth(ids.index(haiku)).click()
    details = page.locator("#details")
    details.get_by_text("Lowest-scored questions").wait_for()
    shown = details.inner_text()
    assert "compositional_skills/writing/haiku" in shown
    assert "student 9.0/10 over 4 questions" in shown
    assert "Score 8/10" in shown
    assert "Student: Student answer 1 of compositional_skills/writing/haiku" in shown
    assert mapdata.HOSTILE_QUESTION in shown  # shown as text, never run

    page.select_option("#colour", "status")
    assert "data:" in page.inner_text("#legend")
    colours = page.evaluate("() => document.getElementById('labtax-map').data[0].marker.colors")
    assert colours == [t.colour["status"] for t in model.tiles]
    page.select_option("#area", "seeds")
    values = page.evaluate("() => document.getElementById('labtax-map').data[0].values")
    assert values == [t.area["seeds"] for t in model.tiles]

    shot = page.screenshot()
    assert pixel_spread(shot) > 20
    assert page.evaluate("() => window.__pwned === undefined")
    assert page.locator("img").count() == 0
    assert outside == []
    assert errors == []


def pixel_spread(png: bytes) -> float:
    """The standard deviation of the screenshot's pixel values: a blank page has none."""
    from matplotlib import image

    pixels = image.imread(io.BytesIO(png), format="png")
    return float(pixels[..., :3].std() * 255)

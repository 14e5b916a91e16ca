"""The gaps list for the terminal."""

from __future__ import annotations

import mapdata
from labtax.gaps import find_gaps
from labtax.render import gaps_text


def test_one_line_per_gap_then_its_advice_with_names_escaped():
    text = gaps_text.render(find_gaps(mapdata.sample_tree(), student=mapdata.STUDENT))
    lines = text.splitlines()
    assert lines[0] == "9 gaps:"
    assert lines[1] == (
        "  low score: compositional_skills/writing/capitals: student 2.0/10 over 3 questions"
    )
    assert lines[2].startswith("      the student does not know this yet")
    assert "\x1b" not in text


def test_no_gaps():
    assert gaps_text.render([]) == "no gaps found\n"

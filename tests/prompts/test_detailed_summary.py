"""The detailed_summary answer: the summary text, a wrapping fence removed."""

from __future__ import annotations

from labtax.prompts import detailed_summary, render, sections_of


def test_parse_keeps_the_text_and_drops_a_wrapping_fence():
    assert detailed_summary.parse("  Rain falls.\n") == "Rain falls."
    assert detailed_summary.parse("```\nRain falls.\n```") == "Rain falls."
    assert detailed_summary.parse("   ") == ""


def test_a_later_round_asks_afresh_after_the_document():
    first = render("detailed_summary", {"document": "Rain falls."}, {"retry": ""})
    later = render("detailed_summary", {"document": "Rain falls."}, {"retry": "\n\nAttempt 2."})
    assert first != later
    assert later[1]["content"].startswith(first[1]["content"].rstrip())
    assert sections_of(first) == {"document": "Rain falls."}

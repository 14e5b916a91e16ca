"""The extractive_summary answer: the chosen sentences as text."""

from __future__ import annotations

from labtax.prompts import extractive_summary, render


def test_parse_keeps_the_sentences():
    assert extractive_summary.parse("Rain falls.\nSnow melts.") == "Rain falls.\nSnow melts."
    assert extractive_summary.parse("```text\nRain falls.\n```") == "Rain falls."
    assert extractive_summary.parse("") == ""


def test_the_prompt_asks_for_sentences_word_for_word():
    system = render("extractive_summary", {"document": "x"}, {"retry": ""})[0]["content"]
    assert "word for word" in system

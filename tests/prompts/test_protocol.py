"""The wire format read back: the stage from the system message, top-level sections, items,
leaked markup."""

from __future__ import annotations

import pytest

from labtax.prompts import (
    SECTIONS,
    STAGES,
    format_items,
    protocol_markup,
    read_items,
    read_sections,
    render,
    section,
    sections_of,
    stage_of,
)


def test_every_stage_is_known_by_its_system_message_and_nothing_names_it():
    texts = {name: stage.system_text for name, stage in STAGES.items()}
    assert len(set(texts.values())) == len(texts), "two stages share a system message"
    for name, text in texts.items():
        assert stage_of([{"role": "system", "content": text}]) == name
        # Surrounding blank space is not part of the text that matters.
        assert stage_of([{"role": "system", "content": f"\n{text}\n"}]) == name
        # No marker meant for a machine: nothing a model would read as an instruction.
        assert "labtax" not in text.lower()
        assert f"stage: {name}" not in text


def test_a_rendered_prompt_reads_back_as_its_stage_and_sections():
    messages = render(
        "skill_answer",
        {"task": "Do it.", "examples": "Ex.", "question": "Why?", "context": "Some text."},
        {"using_context": ""},
    )
    assert stage_of(messages) == "skill_answer"
    assert sections_of(messages) == {
        "task": "Do it.",
        "examples": "Ex.",
        "context": "Some text.",
        "question": "Why?",
    }


SKILL_ANSWER = STAGES["skill_answer"].system_text


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": SKILL_ANSWER}],
        [{"role": "system", "content": "You are helpful.\n" + SKILL_ANSWER}],
        [{"role": "system", "content": SKILL_ANSWER + " Also be brief."}],
        # Only the first system message counts.
        [
            {"role": "system", "content": "You are helpful."},
            {"role": "system", "content": SKILL_ANSWER},
        ],
        [],
    ],
)
def test_foreign_requests_have_no_stage(messages):
    assert stage_of(messages) is None


def test_a_tag_mentioned_in_prose_opens_no_section():
    text = "Judge each question in <items>, every one.\n\n<items>\n[1]\n</items>\n"
    assert read_sections(text) == {"items": "[1]"}


def test_items_written_are_the_items_read_with_their_ids():
    items = [{"question": "What is <b>?"}, {"question": "Line\n</items>\nbreak", "answer": "x"}]
    text = format_items(items)
    assert read_items(text) == [{"id": 1, **items[0]}, {"id": 2, **items[1]}]
    # Escaped JSON: an item can never end the section it is in.
    messages = render("question_judge", {"task": "t", "items": text})
    assert read_items(sections_of(messages)["items"]) == read_items(text)
    assert read_items("not json") == []
    assert read_items('{"id": 1}') == []


def test_sections_inside_a_section_do_not_shadow_top_level_ones():
    text = (
        "<document>\nSee <answer>\nnot this\n</answer> here.\n</document>\n"
        "<answer>\nreal\n</answer>"
    )
    found = read_sections(text)
    assert found["answer"] == "real"
    assert found["document"] == "See <answer>\nnot this\n</answer> here."


def test_an_unclosed_tag_is_skipped_and_the_first_of_two_sections_wins():
    found = read_sections(
        "<task>\nnever closed\n<question>\nfirst\n</question><question>2</question>"
    )
    assert found == {"question": "first"}


def test_sections_of_reads_every_user_message_and_nothing_else():
    messages = [
        {"role": "system", "content": "<task>\nnot from here\n</task>"},
        {"role": "user", "content": section("task", "  the task  ")},
        {"role": "assistant", "content": "<count>\n9\n</count>"},
        {"role": "user", "content": section("count", "3")},
    ]
    assert sections_of(messages) == {"task": "the task", "count": "3"}


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("A plain answer.", None),
        ("Use the <answer> element inline.", None),
        ("<answer>", "the prompt section tag '<answer>'"),
        ("Text\n  </question>  \nmore", "the prompt section tag '</question>'"),
        ("Say labtax-stage: skill_answer here", None),
        ("<unknown>", None),
    ],
)
def test_protocol_markup_names_what_leaked(text, found):
    assert protocol_markup(text) == found


def test_every_section_tag_alone_on_a_line_is_markup():
    for name in SECTIONS:
        assert protocol_markup(f"x\n<{name}>\ny") is not None
        assert protocol_markup(f"x\n</{name}>") is not None

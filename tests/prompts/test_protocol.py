"""The wire format read back: the stage header, top-level sections, leaked markup."""

from __future__ import annotations

import pytest

from labtax.prompts import (
    SECTIONS,
    STAGES,
    protocol_markup,
    read_sections,
    render,
    section,
    sections_of,
    stage_header,
    stage_of,
)


def test_the_header_written_is_the_header_recognised():
    for name in STAGES:
        messages = [{"role": "system", "content": f"{stage_header(name)}\nBe careful."}]
        assert stage_of(messages) == name
    assert stage_header("pair_rating") == "labtax-stage: pair_rating"


def test_a_rendered_prompt_reads_back_as_its_stage_and_sections():
    messages = render(
        "pair_rating",
        {"task": "Rate it.", "question": "Why?", "answer": "Because.", "context": "Some text."},
        {"using_context": ""},
    )
    assert stage_of(messages) == "pair_rating"
    assert sections_of(messages) == {
        "task": "Rate it.",
        "context": "Some text.",
        "question": "Why?",
        "answer": "Because.",
    }


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": "labtax-stage: skill_answer\nHi"}],
        [{"role": "system", "content": "You are helpful.\nlabtax-stage: skill_answer"}],
        # Only the first system message counts.
        [
            {"role": "system", "content": "You are helpful."},
            {"role": "system", "content": "labtax-stage: skill_answer"},
        ],
        [],
    ],
)
def test_foreign_requests_have_no_stage(messages):
    assert stage_of(messages) is None


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
        ("Say labtax-stage: skill_answer here", "the prompt header 'labtax-stage:'"),
        ("<unknown>", None),
    ],
)
def test_protocol_markup_names_what_leaked(text, found):
    assert protocol_markup(text) == found


def test_every_section_tag_alone_on_a_line_is_markup():
    for name in SECTIONS:
        assert protocol_markup(f"x\n<{name}>\ny") is not None
        assert protocol_markup(f"x\n</{name}>") is not None

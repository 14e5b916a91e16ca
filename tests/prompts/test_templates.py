"""Templates render for every leaf kind and stage, exactly as the golden files record.

Set LABTAX_UPDATE_GOLDEN=1 to rewrite the golden files after an intended template change.
"""

from __future__ import annotations

import hashlib
import os
import re
from importlib import resources
from pathlib import Path

import pytest

from labtax.chunking import SourceFile, chunk
from labtax.leaves import LeafKind, SeedExample
from labtax.pipelines import auxiliary
from labtax.pipelines.freeform import GROUNDING, USING_CONTEXT
from labtax.pipelines.knowledge import qa_messages
from labtax.pipelines.pipeline import shown_examples, task_of
from labtax.prompts import (
    EVALUATION,
    GENERATION,
    SECTIONS,
    STAGES,
    format_examples,
    format_items,
    render,
    sections_of,
    stage_of,
    template_hashes,
    template_text,
)
from sampleleaves import WATER_DOC

GOLDEN = Path(__file__).parent / "golden"


def _check_golden(name: str, messages: list[dict[str, str]]) -> None:
    text = "".join(f"=== {m['role']} ===\n{m['content'].rstrip()}\n" for m in messages)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("LABTAX_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name}: prompt differs from {path}"


def _protocol(messages: list[dict[str, str]], stage: str, sections: set[str]) -> None:
    """The prompt protocol: the stage's system message, exactly the expected tagged sections,
    parseable, and the sections that vary per call after those that do not."""
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"] == STAGES[stage].system_text
    assert stage_of(messages) == stage
    _prefix_order(messages[1]["content"])
    assert set(sections_of(messages)) == sections
    for name in set(SECTIONS) - sections:
        assert f"<{name}>" not in messages[1]["content"]
    assert re.search(r"\$[a-z_]+", messages[1]["content"]) is None, "unfilled placeholder"


# Where a section goes in the user message, so a server's prefix cache serves the most: what is
# the same for every call of a leaf first, then a chunk's document, then what varies per call.
PREFIX_ORDER = {
    "task": 0,
    "domain": 0,
    "outline": 0,
    "examples": 0,
    "document": 1,
    "context": 2,
    "question": 3,
    "reference": 3,
    "answer": 3,
    "items": 3,
    "count": 3,
}


def _prefix_order(user: str) -> None:
    found = [(user.index(f"<{name}>\n"), name) for name in SECTIONS if f"\n</{name}>" in user]
    ranks = [PREFIX_ORDER[name] for _, name in sorted(found)]
    assert ranks == sorted(ranks), f"sections out of prefix order: {sorted(found)}"
    # A request's own numbers (batch, round) come after every section.
    numbers = re.search(r"request \d+ of \d+", user)
    if numbers:
        assert all(user.index(f"\n</{n}>") < numbers.start() for _, n in found)


def test_freeform_prompts(sample_leaves):
    leaf = sample_leaves["freeform"]
    assert leaf.kind is LeafKind.FREEFORM_SKILL
    task, shown = task_of(leaf), shown_examples(leaf)
    extras = {"grounding": "", "batch": "1", "batches": "2", "round": "1"}
    questions = render("skill_questions", {"task": task, "examples": shown, "count": "5"}, extras)
    _protocol(questions, "skill_questions", {"task", "examples", "count"})
    _check_golden("freeform_skill_questions", questions)
    items = format_items([{"question": "What has a face?"}, {"question": "What has legs?"}])
    judge = render("question_judge", {"task": task, "items": items})
    _protocol(judge, "question_judge", {"task", "items"})
    _check_golden("freeform_question_judge", judge)
    answer = render(
        "skill_answer",
        {"task": task, "examples": shown, "question": "What has a face?"},
        {"using_context": ""},
    )
    _protocol(answer, "skill_answer", {"task", "examples", "question"})
    _check_golden("freeform_skill_answer", answer)
    pairs = format_items([{"question": "What has a face?", "answer": "A clock."}])
    rating = render("pair_rating", {"task": task, "items": pairs}, {"using_context": ""})
    _protocol(rating, "pair_rating", {"task", "items"})
    _check_golden("freeform_pair_rating", rating)
    # Every seed example, and nothing from another leaf, is in the prompt.
    for example in leaf.seed_examples:
        assert example.pairs[0][0] in questions[1]["content"]


def test_grounded_prompts(sample_leaves):
    leaf = sample_leaves["grounded"]
    assert leaf.kind is LeafKind.GROUNDED_SKILL
    task, shown = task_of(leaf), shown_examples(leaf)
    contexts = render(
        "grounded_contexts",
        {"task": task, "examples": shown, "count": "2"},
        {"batch": "1", "batches": "1", "round": "1"},
    )
    _protocol(contexts, "grounded_contexts", {"task", "examples", "count"})
    _check_golden("grounded_contexts", contexts)
    context = "A small museum opened a hall of old clocks."
    questions = render(
        "skill_questions",
        {"task": task, "examples": shown, "count": "3", "context": context},
        {"grounding": GROUNDING, "batch": "1", "batches": "1", "round": "2"},
    )
    _protocol(questions, "skill_questions", {"task", "examples", "count", "context"})
    _check_golden("grounded_skill_questions", questions)
    pairs = format_items([{"question": "Summarise it.", "answer": "Clocks."}])
    rating = render(
        "pair_rating",
        {"task": task, "items": pairs, "context": context},
        {"using_context": USING_CONTEXT},
    )
    _protocol(rating, "pair_rating", {"task", "items", "context"})
    _check_golden("grounded_pair_rating", rating)
    assert "Context:\nThe town library" in questions[1]["content"]


def test_knowledge_prompts(sample_leaves):
    leaf = sample_leaves["knowledge"]
    assert leaf.kind is LeafKind.KNOWLEDGE
    shown = shown_examples(leaf)
    part = chunk([SourceFile("water.md", WATER_DOC)], 80)[1].text
    qa = qa_messages(leaf, shown, part, 3, (1, 1))
    _protocol(qa, "knowledge_qa", {"domain", "outline", "examples", "document", "count"})
    _check_golden("knowledge_qa", qa)
    pairs = format_items([{"question": "What falls from clouds?", "answer": "Rain."}])
    faithful = render("faithfulness", {"document": part, "items": pairs})
    _protocol(faithful, "faithfulness", {"document", "items"})
    _check_golden("knowledge_faithfulness", faithful)
    questions = format_items([{"question": "What falls from clouds?"}])
    alone = render("standalone", {"domain": leaf.domain, "items": questions})
    _protocol(alone, "standalone", {"domain", "items"})
    _check_golden("knowledge_standalone", alone)
    relevant = render("relevance", {"items": pairs})
    _protocol(relevant, "relevance", {"items"})
    _check_golden("knowledge_relevance", relevant)
    for form in auxiliary.FORMS:
        written = auxiliary.request(form, leaf.domain, _chunk(part), 1)
        _protocol(written, form, {"domain", "document"})
        _check_golden(f"knowledge_{form}", written)


def _chunk(text: str):
    from labtax.chunking import Chunk

    return Chunk("water.md", 1, text)


def test_template_is_the_file_and_is_hashed_whole():
    hashes = {**template_hashes(), **template_hashes(EVALUATION)}
    assert template_hashes() == template_hashes(GENERATION)
    assert list(hashes) == list(STAGES)
    for stage, digest in hashes.items():
        path = resources.files("labtax.prompts").joinpath(f"{stage}.txt")
        text = template_text(stage)
        assert text == path.read_text(encoding="utf-8")
        assert digest == hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert STAGES[stage].system_text in text
    assert len(set(hashes.values())) == len(hashes)


def test_the_students_prompt_is_the_question_without_markup():
    messages = render(
        "student_answer", {"question": "Summarise <the> note.", "context": "A note $x."}
    )
    _check_golden("student_answer", messages)
    assert messages[1]["content"] == "A note $x.\n\nSummarise <the> note.\n"
    assert stage_of(messages) == "student_answer"
    assert sections_of(messages) == {}
    assert "labtax" not in messages[0]["content"]
    closed_book = render("student_answer", {"question": "What drives evaporation?"})
    assert closed_book[1]["content"] == "What drives evaporation?\n"


def test_the_judges_rubric_carries_question_reference_and_answer():
    sections = {
        "question": "What drives evaporation?",
        "reference": "Energy from the sun.",
        "answer": "The wind.",
    }
    messages = render("answer_grade", sections)
    _protocol(messages, "answer_grade", set(sections))
    _check_golden("answer_grade", messages)
    with_context = render("answer_grade", {**sections, "context": "Water cycle notes."})
    _protocol(with_context, "answer_grade", {*sections, "context"})


def test_unknown_section_and_stage_are_refused():
    with pytest.raises(KeyError, match="documents"):
        render("faithfulness", {"documents": "x"})
    with pytest.raises(KeyError, match="no_such_stage"):
        template_text("no_such_stage")
    with pytest.raises(KeyError, match="no_such_stage"):
        render("no_such_stage", {})


def test_a_section_of_another_stage_or_a_missing_one_is_refused():
    with pytest.raises(KeyError, match=r"unknown section.*context"):
        render("faithfulness", {"document": "d", "items": "[]", "context": "c"})
    with pytest.raises(KeyError, match=r"missing section.*items"):
        render("faithfulness", {"document": "d", "items": None})
    # An optional section may be given as None: it is left out with its line.
    judge = render("question_judge", {"task": "t", "items": "[]", "context": None})
    assert "<context>" not in judge[1]["content"]
    assert "$context" not in judge[1]["content"]


def test_examples_are_numbered_blocks_with_their_context_and_every_pair():
    shown = format_examples(
        [
            SeedExample(None, (("Q1?", "A1."),)),
            SeedExample("  A context.  ", (("Q2?", " A2. "), ("Q3?", "A3."))),
        ]
    )
    assert shown == (
        "Example 1\nQuestion:\nQ1?\nAnswer:\nA1.\n\n"
        "Example 2\nContext:\nA context.\nQuestion:\nQ2?\nAnswer:\nA2.\n"
        "Question:\nQ3?\nAnswer:\nA3."
    )

"""Prompts render for every leaf kind and stage, exactly as the golden files record.

Set LABTAX_UPDATE_GOLDEN=1 to rewrite the golden files after an intended template change.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from labtax import fake_teacher
from labtax.documents import SourceFile, chunk
from labtax.leaves import LeafKind
from labtax.pipelines.freeform import GROUNDING, USING_CONTEXT
from labtax.pipelines.knowledge import qa_messages
from labtax.pipelines.pipeline import shown_examples, task_of
from labtax.prompts import SECTIONS, STAGES, render, template_hashes, template_text

GOLDEN = Path(__file__).parent / "golden"


def _check_golden(name: str, messages: list[dict[str, str]]) -> None:
    text = "".join(f"=== {m['role']} ===\n{m['content'].rstrip()}\n" for m in messages)
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("LABTAX_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name}: prompt differs from {path}"


def _protocol(messages: list[dict[str, str]], stage: str, sections: set[str]) -> None:
    """The prompt protocol: stage header, exactly the expected tagged sections, parseable."""
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[0]["content"].splitlines()[0] == f"labtax-stage: {stage}"
    found_stage, found = fake_teacher.parse_prompt(messages)
    assert found_stage == stage
    assert set(found) == sections
    for name in set(SECTIONS) - sections:
        assert f"<{name}>" not in messages[1]["content"]
    assert re.search(r"\$[a-z_]+", messages[1]["content"]) is None, "unfilled placeholder"


def test_freeform_prompts(sample_leaves):
    leaf = sample_leaves["freeform"]
    assert leaf.kind is LeafKind.FREEFORM_SKILL
    task, shown = task_of(leaf), shown_examples(leaf)
    extras = {"grounding": "", "batch": "1", "batches": "2"}
    questions = render("skill_questions", {"task": task, "examples": shown, "count": "5"}, extras)
    _protocol(questions, "skill_questions", {"task", "examples", "count"})
    _check_golden("freeform_skill_questions", questions)
    judge = render("question_judge", {"task": task, "question": "What has a face?"})
    _protocol(judge, "question_judge", {"task", "question"})
    _check_golden("freeform_question_judge", judge)
    answer = render(
        "skill_answer",
        {"task": task, "examples": shown, "question": "What has a face?"},
        {"using_context": ""},
    )
    _protocol(answer, "skill_answer", {"task", "examples", "question"})
    _check_golden("freeform_skill_answer", answer)
    rating = render(
        "pair_rating",
        {"task": task, "question": "What has a face?", "answer": "A clock."},
        {"using_context": ""},
    )
    _protocol(rating, "pair_rating", {"task", "question", "answer"})
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
        {"batch": "1", "batches": "1"},
    )
    _protocol(contexts, "grounded_contexts", {"task", "examples", "count"})
    _check_golden("grounded_contexts", contexts)
    context = "A small museum opened a hall of old clocks."
    questions = render(
        "skill_questions",
        {"task": task, "examples": shown, "count": "3", "context": context},
        {"grounding": GROUNDING, "batch": "1", "batches": "1"},
    )
    _protocol(questions, "skill_questions", {"task", "examples", "count", "context"})
    _check_golden("grounded_skill_questions", questions)
    rating = render(
        "pair_rating",
        {"task": task, "question": "Summarise it.", "answer": "Clocks.", "context": context},
        {"using_context": USING_CONTEXT},
    )
    _protocol(rating, "pair_rating", {"task", "question", "answer", "context"})
    _check_golden("grounded_pair_rating", rating)
    assert "Context:\nThe town library" in questions[1]["content"]


def test_knowledge_prompts(sample_leaves, kit):
    leaf = sample_leaves["knowledge"]
    assert leaf.kind is LeafKind.KNOWLEDGE
    shown = shown_examples(leaf)
    part = chunk([SourceFile("water.md", kit.WATER_DOC)], 80)[1].text
    qa = qa_messages(leaf, shown, part, 3, (1, 1))
    _protocol(qa, "knowledge_qa", {"domain", "outline", "examples", "document", "count"})
    _check_golden("knowledge_qa", qa)
    faithful = render(
        "faithfulness", {"document": part, "question": "What falls?", "answer": "Rain."}
    )
    _protocol(faithful, "faithfulness", {"document", "question", "answer"})
    _check_golden("knowledge_faithfulness", faithful)


def test_template_hashes_are_the_file_hashes():
    hashes = template_hashes()
    assert sorted(hashes) == sorted(STAGES)
    for stage, digest in hashes.items():
        assert digest == hashlib.sha256(template_text(stage).encode("utf-8")).hexdigest()


def test_unknown_section_and_stage_are_refused():
    with pytest.raises(KeyError):
        render("faithfulness", {"documents": "x"})
    with pytest.raises(KeyError):
        template_text("no_such_stage")

"""The knowledge pipeline: documents as its material, chunks within the context budget, a quota
per chunk with auxiliary data, the three judges with a verdict per item, and exact call bounds."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace

import pytest

import projects
import sampleleaves
from labtax import documents
from labtax.chunking import Chunk
from labtax.config import GenerationConfig, load_config
from labtax.errors import LabtaxError
from labtax.leaves import load_file
from labtax.pipelines import auxiliary, knowledge
from labtax.pipelines.pipeline import (
    Caller,
    LeafMaterial,
    PipelineSettings,
    RoundPlan,
)
from labtax.transport import CallParams

WATER = "taxonomy/knowledge/science/water_cycle/qna.yaml"
AUX = list(auxiliary.FORMS)


def _settings(**generation):
    return PipelineSettings(GenerationConfig(**generation))


def _material(project, settings):
    config = load_config(project)
    leaf = load_file(config, project / WATER)
    store = documents.DocumentStore(config)
    return leaf, asyncio.run(knowledge.material(leaf, store, settings))


def test_the_material_is_the_documents_chunked_and_quotable(project):
    leaf, material = _material(project, _settings())
    assert material.allowed_text.startswith(leaf.text)
    assert sampleleaves.WATER_DOC in material.allowed_text
    assert material.source_text == sampleleaves.WATER_DOC
    assert "not selected" not in material.allowed_text  # only files the patterns select
    (only,) = material.chunks
    assert (only.source, only.index, only.headings) == ("water.md", 0, ("The water cycle",))
    assert only.text.split() == sampleleaves.WATER_DOC.split()


def test_a_smaller_context_or_a_longer_answer_leaves_less_room_for_each_chunk(project):
    roomy = knowledge.chunk_size(_material(project, _settings())[0], _settings())
    assert roomy == GenerationConfig().chunk_tokens
    leaf = _material(project, _settings())[0]
    tight = PipelineSettings(
        GenerationConfig(context_tokens=6000), {"knowledge_qa": CallParams(0.7, 5000)}
    )
    size = knowledge.chunk_size(leaf, tight)
    assert 128 <= size < roomy
    longer = PipelineSettings(
        GenerationConfig(context_tokens=6000), {"knowledge_qa": CallParams(0.7, 5100)}
    )
    assert knowledge.chunk_size(leaf, longer) == size - 100


def test_a_context_too_small_for_any_chunk_is_a_located_error(project):
    leaf = _material(project, _settings())[0]
    with pytest.raises(LabtaxError) as caught:
        knowledge.chunk_size(leaf, _settings(context_tokens=1500))
    assert caught.value.location.path == str(leaf.path)
    assert "context_tokens" in (caught.value.hint or "")


def _chunks(n: int) -> tuple[Chunk, ...]:
    return tuple(
        Chunk("doc.md", i, f"Paragraph {i} of the document, about water and rain.")
        for i in range(n)
    )


def test_every_chunk_has_a_quota_of_pairs_and_one_of_each_auxiliary_form(sample_leaves):
    material = LeafMaterial("", _chunks(3))
    targets = knowledge.targets(material, _settings(samples_per_chunk=4))
    assert targets == {
        **{(i, "knowledge_qa"): 4 for i in range(3)},
        **{(i, form): 1 for i in range(3) for form in AUX},
    }


def _round(leaf, teacher, chunks, asks, *, number=1, seen=frozenset(), truncation=()):
    caller = Caller(teacher, truncation=truncation)
    material = LeafMaterial(leaf.text, chunks)
    plan = RoundPlan(number, asks, seen)
    return asyncio.run(knowledge.run_round(leaf, material, caller, plan)), caller


@pytest.mark.parametrize(("pairs", "chunks", "texts"), [(1, 1, True), (5, 3, True), (12, 2, False)])
def test_the_round_call_bound_is_exact_when_everything_passes(sample_leaves, pairs, chunks, texts):
    teacher = projects.AgreeableTeacher()
    asks = {(i, "knowledge_qa"): pairs for i in range(chunks)}
    if texts:
        asks.update({(i, form): 1 for i in range(chunks) for form in AUX})
    outcome, caller = _round(sample_leaves["knowledge"], teacher, _chunks(chunks), asks)
    assert len(outcome.candidates) == chunks * (pairs + (3 if texts else 0))
    assert outcome.rejected == ()
    assert caller.usage.calls == knowledge.round_calls(asks)
    per_chunk = -(-pairs // knowledge.PAIRS_PER_CALL)
    assert teacher.calls["knowledge_qa"] == chunks * per_chunk
    # One judge call per chunk grades its pairs (and one its auxiliary texts).
    assert teacher.calls["standalone"] == chunks * -(-pairs // knowledge.QUESTION_BATCH)
    pair_batches = -(-pairs // knowledge.PAIR_BATCH)
    assert teacher.calls["relevance"] == chunks * pair_batches
    assert teacher.calls["faithfulness"] == chunks * (pair_batches + (1 if texts else 0))


def test_a_knowledge_sample_is_closed_book_and_names_its_chunk(sample_leaves):
    chunks = _chunks(3)
    asks = {(i, "knowledge_qa"): 2 for i in range(3)}
    outcome, _ = _round(sample_leaves["knowledge"], projects.AgreeableTeacher(), chunks, asks)
    assert {s.provenance.chunk for s in outcome.candidates} == {0, 1, 2}
    for sample in outcome.candidates:
        assert (sample.kind, sample.form, sample.score) == ("knowledge", "knowledge_qa", 3)
        assert sample.user_turn == sample.question  # the chunk is not in the user turn
        made = sample.provenance
        assert sample.context == chunks[made.chunk].text
        assert (made.document, made.round) == ("doc.md", 1)
        stages = [c.stage for c in made.calls]
        assert stages == ["knowledge_qa", "standalone", "faithfulness", "relevance"]


def test_auxiliary_samples_hold_the_chunk_and_an_instruction_in_the_user_turn(sample_leaves):
    chunks = _chunks(2)
    asks = {(i, form): 1 for i in range(2) for form in AUX}
    outcome, _ = _round(sample_leaves["knowledge"], projects.AgreeableTeacher(), chunks, asks)
    assert sorted((s.provenance.chunk, s.form) for s in outcome.candidates) == sorted(asks)
    for sample in outcome.candidates:
        chunk = chunks[sample.provenance.chunk]
        assert sample.context == chunk.text
        assert sample.question == auxiliary.instruction(sample.form, chunk.text)
        assert sample.question in auxiliary.INSTRUCTIONS[sample.form]
        assert sample.user_turn == chunk.text + "\n\n" + sample.question
        assert sample.score == 3
        assert [c.stage for c in sample.provenance.calls] == [sample.form, "faithfulness"]
    facts = next(s for s in outcome.candidates if s.form == "atomic_facts")
    assert facts.answer.startswith("- Fact one of ")


def _judging(stage, verdicts):
    """An agreeable teacher whose `stage` judge gives the entries `verdicts(ids)`."""

    class Judging(projects.AgreeableTeacher):
        async def complete(self, messages, *, stage, params=None):
            done = await super().complete(messages, stage=stage, params=params)
            if stage != judged_stage:
                return done
            ids = [e["id"] for e in json.loads(done.text).popitem()[1]]
            return replace(done, text=json.dumps(verdicts(ids)))

    judged_stage = stage
    return Judging()


@pytest.mark.parametrize(
    ("stage", "answer", "reason", "score"),
    [
        (
            "standalone",
            lambda ids: {
                "verdicts": [{"id": i, "explanation": "x", "stands_alone": False} for i in ids]
            },
            "not_standalone",
            0,
        ),
        (
            "faithfulness",
            lambda ids: {
                "verdicts": [{"id": i, "explanation": "x", "faithful": False} for i in ids]
            },
            "unfaithful",
            0,
        ),
        (
            "relevance",
            lambda ids: {"scores": [{"id": i, "explanation": "x", "score": 1} for i in ids]},
            "low_score",
            1,
        ),
        ("relevance", lambda ids: {"scores": [{"id": 1, "score": 3}]}, "unparseable", 0),
    ],
)
def test_each_judge_rejects_with_its_own_reason(sample_leaves, stage, answer, reason, score):
    asks = {(0, "knowledge_qa"): 2}
    teacher = _judging(stage, answer)
    outcome, _ = _round(sample_leaves["knowledge"], teacher, _chunks(1), asks)
    rejected = [(r.stage, r.reason, r.score) for r in outcome.rejected]
    # An item the judge gives no verdict for is unparseable, never a pass.
    expected = 1 if reason == "unparseable" else 2
    assert rejected == [(stage, reason, score)] * expected
    assert len(outcome.candidates) == 2 - expected
    for rejection in outcome.rejected:
        assert rejection.provenance.calls[-1].stage == stage
        assert (rejection.provenance.document, rejection.provenance.chunk) == ("doc.md", 0)


class TruncatedError(Exception):
    pass


def _replacing(stage, text):
    class Replacing(projects.AgreeableTeacher):
        async def complete(self, messages, *, stage, params=None):
            done = await super().complete(messages, stage=stage, params=params)
            if stage != target:
                return done
            if isinstance(text, Exception):
                raise text
            return replace(done, text=text)

    target = stage
    return Replacing()


@pytest.mark.parametrize(
    ("stage", "text", "reason"),
    [
        ("knowledge_qa", "Q: why? A: because.", "unparseable"),
        ("knowledge_qa", "", "unparseable"),
        ("knowledge_qa", TruncatedError(), "truncated"),
        ("standalone", "", "unparseable"),
        ("standalone", TruncatedError(), "truncated"),
        ("faithfulness", "yes", "unparseable"),
        ("faithfulness", TruncatedError(), "truncated"),
        ("relevance", TruncatedError(), "truncated"),
        ("detailed_summary", "", "empty_answer"),
        ("detailed_summary", TruncatedError(), "truncated"),
        ("extractive_summary", "   ", "empty_answer"),
        ("atomic_facts", "The facts are these.", "unparseable"),
        ("atomic_facts", '{"facts": []}', "empty_answer"),
        ("atomic_facts", TruncatedError(), "truncated"),
    ],
)
def test_malformed_empty_and_truncated_answers_are_counted_rejections(
    sample_leaves, stage, text, reason
):
    asks = {(0, "knowledge_qa"): 2, **{(0, form): 1 for form in AUX}}
    teacher = _replacing(stage, text)
    outcome, _ = _round(
        sample_leaves["knowledge"], teacher, _chunks(1), asks, truncation=(TruncatedError,)
    )
    mine = [r for r in outcome.rejected if r.stage == stage]
    assert mine
    assert {r.reason for r in mine} == {reason}
    assert len(outcome.rejected) == len(mine)
    # Nothing else is lost: a failed pair-writing call stands for both its pairs.
    assert len(outcome.candidates) == (3 if stage == "knowledge_qa" else 5 - len(mine))


def test_a_later_round_skips_questions_already_asked_about_the_chunk(sample_leaves):
    leaf, chunks = sample_leaves["knowledge"], _chunks(1)
    asks = {(0, "knowledge_qa"): 2}
    first, _ = _round(leaf, projects.AgreeableTeacher(), chunks, asks)
    seen = frozenset((s.context, s.question) for s in first.candidates)
    again, _ = _round(leaf, projects.AgreeableTeacher(), chunks, asks, seen=seen)
    assert {r.reason for r in again.rejected} == {"duplicate_question"}
    later, _ = _round(leaf, projects.AgreeableTeacher(), chunks, asks, number=2, seen=seen)
    assert len(later.candidates) == 2
    assert {s.provenance.round for s in later.candidates} == {2}


def test_the_prompt_estimate_holds_the_largest_chunk_and_the_leaf_accessors(sample_leaves):
    leaf = sample_leaves["knowledge"]
    chunks = (Chunk("a.md", 0, "short"), Chunk("a.md", 1, "the longest chunk of them all"))
    prompt = knowledge.estimated_prompt(leaf, LeafMaterial("", chunks))
    user = prompt[1]["content"]
    assert "<document>\nthe longest chunk of them all\n</document>" in user
    assert f"<domain>\n{leaf.domain}\n</domain>" in user
    assert f"<outline>\n{leaf.document_outline}\n</outline>" in user
    assert f"<count>\n{knowledge.PAIRS_PER_CALL}\n</count>" in user

"""The knowledge pipeline: documents as its material, chunks within the context budget, pairs
spread over the chunks, and a call estimate that bounds the calls."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

import projects
import sampleleaves
from labtax import documents
from labtax.config import load_config
from labtax.documents import Chunk
from labtax.leaves import load_file
from labtax.pipelines import knowledge
from labtax.pipelines.pipeline import Caller, LeafMaterial, PipelineSettings
from labtax.util import CHARS_PER_TOKEN

WATER = "taxonomy/knowledge/science/water_cycle/qna.yaml"


def _material(project, answer_tokens):
    config = load_config(project)
    leaf = load_file(config, project / WATER)
    store = documents.DocumentStore(config)
    return leaf, asyncio.run(knowledge.material(leaf, store, PipelineSettings(4, answer_tokens)))


def test_the_material_is_the_documents_chunked_and_quotable(project):
    leaf, material = _material(project, 1024)
    assert material.allowed_text.startswith(leaf.text)
    assert sampleleaves.WATER_DOC in material.allowed_text
    assert "not selected" not in material.allowed_text  # only files the patterns select
    assert " ".join(c.text for c in material.chunks).split() == sampleleaves.WATER_DOC.split()


def test_a_longer_answer_leaves_less_room_for_each_chunk(project):
    _, roomy = _material(project, 1024)
    _, tight = _material(project, 8000)
    assert len(roomy.chunks) == 1
    assert len(tight.chunks) > 1
    limit = documents.MIN_CHUNK_TOKENS * CHARS_PER_TOKEN
    assert all(len(c.text) <= limit for c in tight.chunks)


def _chunks(n: int) -> tuple[Chunk, ...]:
    return tuple(
        Chunk("doc.md", i, f"Paragraph {i} of the document, about water.") for i in range(n)
    )


@pytest.mark.parametrize(("samples", "chunks"), [(1, 1), (4, 10), (7, 7), (7, 2), (12, 1)])
def test_the_call_estimate_bounds_the_calls_and_is_reached_with_enough_chunks(
    sample_leaves, samples, chunks
):
    leaf = sample_leaves["knowledge"]
    teacher = projects.AgreeableTeacher()
    caller = Caller(teacher)
    material = LeafMaterial(leaf.text, _chunks(chunks))
    outcome = asyncio.run(knowledge.run(leaf, material, caller, PipelineSettings(samples)))
    assert len(outcome.candidates) == samples
    assert teacher.calls["faithfulness"] == samples
    assert caller.usage.calls <= knowledge.estimated_calls(samples)
    if chunks >= samples:
        assert caller.usage.calls == knowledge.estimated_calls(samples)
    assert {s.context for s in outcome.candidates} <= {c.text for c in material.chunks}


def test_a_knowledge_sample_is_closed_book_and_names_its_chunk(sample_leaves):
    leaf = sample_leaves["knowledge"]
    material = LeafMaterial(leaf.text, _chunks(3))
    caller = Caller(projects.AgreeableTeacher())
    outcome = asyncio.run(knowledge.run(leaf, material, caller, PipelineSettings(6)))
    assert {s.provenance.chunk for s in outcome.candidates} == {0, 1, 2}
    for sample in outcome.candidates:
        assert (sample.kind, sample.form) == ("knowledge", "knowledge_qa")
        assert sample.user_turn == sample.question  # the chunk is not in the user turn
        made = sample.provenance
        assert sample.context == material.chunks[made.chunk].text
        assert made.document == "doc.md"
        assert [c.stage for c in made.calls] == ["knowledge_qa", "faithfulness"]
        # No relevance judge yet: a faithful pair scores 3.
        assert sample.score == knowledge.FAITHFUL_SCORE == 3


def test_unfaithful_pairs_are_unscored_rejections_with_both_calls(sample_leaves):
    class Doubting(projects.AgreeableTeacher):
        async def complete(self, messages, *, stage):
            done = await super().complete(messages, stage=stage)
            if stage == "faithfulness":
                return replace(done, text='{"explanation": "made up", "faithful": false}')
            return done

    leaf = sample_leaves["knowledge"]
    material = LeafMaterial(leaf.text, _chunks(1))
    outcome = asyncio.run(knowledge.run(leaf, material, Caller(Doubting()), PipelineSettings(2)))
    assert outcome.candidates == ()
    for rejection in outcome.rejected:
        assert (rejection.reason, rejection.score, rejection.form) == (
            "unfaithful",
            0,
            "knowledge_qa",
        )
        assert [c.stage for c in rejection.provenance.calls] == ["knowledge_qa", "faithfulness"]
        assert (rejection.provenance.document, rejection.provenance.chunk) == ("doc.md", 0)


def test_pick_spreads_pairs_evenly_over_the_documents():
    chunks = _chunks(10)
    picked = knowledge.pick(chunks, 4)
    assert [c.index for c, _ in picked] == [0, 2, 5, 7]
    assert [n for _, n in picked] == [1, 1, 1, 1]
    assert [(c.index, n) for c, n in knowledge.pick(chunks[:2], 5)] == [(0, 3), (1, 2)]
    assert knowledge.pick((), 3) == []
    assert knowledge.pick(chunks, 0) == []


def test_the_prompt_estimate_holds_a_full_chunk_and_the_leaf_accessors(sample_leaves):
    leaf = sample_leaves["knowledge"]
    prompt = knowledge.estimated_prompt(leaf, 12)
    user = prompt[1]["content"]
    assert "x" * documents.MAX_CHUNK_TOKENS * CHARS_PER_TOKEN in user
    assert f"<domain>\n{leaf.domain}\n</domain>" in user
    assert f"<outline>\n{leaf.document_outline}\n</outline>" in user
    assert f"<count>\n{knowledge.PAIRS_PER_CALL}\n</count>" in user

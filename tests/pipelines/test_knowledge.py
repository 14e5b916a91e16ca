"""The knowledge pipeline: documents as its material, chunks within the context budget, pairs
spread over the chunks, and a call estimate that bounds the calls."""

from __future__ import annotations

import asyncio

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

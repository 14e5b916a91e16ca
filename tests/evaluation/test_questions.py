"""Held-out questions: seeds (knowledge closed book) and an export's test split, read strictly."""

from __future__ import annotations

import json

import pytest

from labtax.errors import LabtaxError
from labtax.evaluation.questions import held_out_questions, load_held_out, seed_questions
from projects import mark_export, write_export


def row(leaf: str, row_id: str, question: str, answer: str, **extra: object) -> str:
    messages = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer},
    ]
    record = {"messages": messages, "leaf": leaf, "kind": "knowledge", "source": "generated"}
    return json.dumps({**record, "form": "qa", "id": row_id, **extra})


def test_seeds_keep_a_skills_context_and_ask_knowledge_closed_book(sample_leaves):
    grounded = seed_questions(sample_leaves["grounded"])
    assert grounded
    assert all(q.context for q in grounded)
    knowledge = seed_questions(sample_leaves["knowledge"])
    assert len(knowledge) == len(sample_leaves["knowledge"].seed_pairs)
    assert all(q.context is None and q.source == "seed" for q in knowledge)


def test_the_test_split_of_a_hand_written_export(tmp_path, sample_leaves):
    leaf = sample_leaves["knowledge"]
    seed = leaf.seed_pairs[0]
    out = tmp_path / "out"
    write_export(
        out,
        "knowledge",
        row(leaf.leaf_id, "b2", "What else is there?", "More water."),
        row(leaf.leaf_id, "a1", seed[1], seed[2], source="seed"),
        row("knowledge/other", "c3", "Unrelated?", "Yes."),
    )
    write_export(out, "skills", row(leaf.leaf_id, "a0", "First by id?", "Sorted."), "")
    held = load_held_out(out, "out")
    assert [q.question for q in held[leaf.leaf_id]] == [
        "First by id?",
        seed[1],
        "What else is there?",
    ]
    assert held[leaf.leaf_id][0].reference == "Sorted."
    asked = held_out_questions(leaf, held)
    # The seed repeated by the export is asked once; the rows come after the seeds.
    assert [q.question for q in asked].count(seed[1]) == 1
    assert [q.source for q in asked][-2:] == ["test", "test"]
    only = load_held_out(out, "out", {"knowledge/other"})
    assert list(only) == ["knowledge/other"]


def test_a_missing_export_is_a_located_error(tmp_path):
    with pytest.raises(LabtaxError) as caught:
        load_held_out(tmp_path / "nowhere", "nowhere")
    assert caught.value.render().startswith("nowhere: error: no export directory")
    assert "--held-out" in caught.value.hint


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda out: out.mkdir(), "no README.md export card"),
        (lambda out: (out / "mix" / "knowledge").mkdir(parents=True), "no README.md export card"),
        (lambda out: out.write_text("x"), "not a directory"),
        (lambda out: (mark_export(out), (out / "recipe.yaml").unlink()), "no recipe.yaml"),
        (mark_export, "no <phase>/test.jsonl"),
    ],
)
def test_a_directory_that_is_not_an_export_is_a_located_error(tmp_path, make, why):
    out = tmp_path / "reports"
    make(out)
    with pytest.raises(LabtaxError) as caught:
        load_held_out(out, "reports")
    assert caught.value.render().startswith("reports: error: no export directory")
    assert why in caught.value.message


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "a JSON object"),
        (json.dumps({"id": "x", "messages": []}), "no `leaf`"),
        (json.dumps({"leaf": "k/a", "messages": []}), "no `id`"),
        (json.dumps({"leaf": "k/a", "id": "x", "messages": "hi"}), "list of objects"),
        (
            json.dumps({"leaf": "k/a", "id": "x", "messages": [{"role": "user", "content": "q"}]}),
            "no assistant turn",
        ),
    ],
)
def test_a_bad_row_is_located_by_file_and_line(tmp_path, line, message):
    out = tmp_path / "out"
    write_export(out, "knowledge", row("k/a", "ok", "Fine?", "Yes."), line)
    with pytest.raises(LabtaxError) as caught:
        load_held_out(out, "out")
    assert caught.value.render().startswith("out/knowledge/test.jsonl:2:")
    assert message in caught.value.message

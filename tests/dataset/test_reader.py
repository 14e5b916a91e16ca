"""The one strict reader: what the format documents is read, anything else is located damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import datafiles
from labtax.dataset import reader, store
from labtax.dataset.reader import DamagedData

PAIRS = [("What is 2+2?", "4"), ("Capital of France?", "Paris"), ("Largest planet?", "Jupiter")]
LEAF = "knowledge/a"
GROUNDED = "compositional_skills/grounded/a"
FREEFORM = "compositional_skills/a"


def good_record(leaf: str = LEAF, **changes: object) -> dict[str, object]:
    record = datafiles.record(leaf, "q", "a")
    record.update(changes)
    return record


def rejection_record(leaf: str = LEAF, **changes: object) -> dict[str, object]:
    record = good_record(leaf, stage="pair_rating", reason="low_score", detail="", score=1)
    record.update(changes)
    return record


def damage(line: str, name: str = "samples.jsonl") -> DamagedData:
    parse = reader.parse_samples if name == "samples.jsonl" else reader.parse_rejections
    with pytest.raises(DamagedData) as caught:
        parse(line.encode("utf-8") + b"\n", f"generated/knowledge/a/{name}")
    return caught.value


def test_what_the_builders_write_is_read(tmp_path: Path) -> None:
    datafiles.write_leaf(tmp_path, LEAF, PAIRS, rejected=[("r", "x", "low_score")], cost=None)
    files = {p.name: p.read_bytes() for p in (tmp_path / LEAF).iterdir()}
    data = reader.parse_leaf(LEAF, files, f"generated/{LEAF}")
    assert data.leaf_id == LEAF
    passage = datafiles.PASSAGE
    order = sorted(PAIRS, key=lambda p: datafiles.sample_id(LEAF, "knowledge_qa", passage, *p))
    assert [s.question for s in data.samples] == [q for q, _ in order]
    first = data.samples[0]
    assert (first.form, first.context, first.score) == ("knowledge_qa", passage, 3)
    assert (first.provenance.document, first.provenance.chunk) == (datafiles.DOCUMENT, 0)
    assert [c.stage for c in first.provenance.calls] == ["knowledge_qa", "faithfulness"]
    assert data.rejected[0].reason == "low_score"
    assert data.rejected[0].stage == "pair_rating"
    assert data.manifest is not None
    assert data.manifest.teacher.model == "openai/labtax-fake-teacher"
    assert data.manifest.usage.cost_usd is None
    assert data.manifest.usage.calls == 8
    assert data.manifest.volume.target == 10
    assert data.manifest.documents[0].path == datafiles.DOCUMENT
    assert set(data.manifest.stages) == {"pair_rating", "skill_answer"}


@pytest.mark.parametrize("leaf", [LEAF, GROUNDED, FREEFORM])
def test_every_kinds_record_is_read_with_its_form(leaf: str) -> None:
    (sample,) = reader.parse_samples(json.dumps(good_record(leaf)).encode(), "s")
    assert sample.form == datafiles.FORM_OF_KIND[datafiles.kind_of(leaf)]
    assert sample.kind == datafiles.kind_of(leaf)
    assert sample.user_turn == good_record(leaf)["messages"][0]["content"]  # type: ignore[index]


def test_no_files_is_an_empty_leaf() -> None:
    data = reader.parse_leaf(LEAF, {}, "somewhere")
    assert (data.manifest, data.samples, data.rejected) == (None, (), ())


@pytest.mark.parametrize(
    ("line", "expected", "col"),
    [
        ("{not json", "not valid JSON", 2),
        ("[1, 2]", "a sample must be a JSON object", 1),
        ('{"id": "x", "leaf": "l", "kind": "k", "messages": []}', '"kind" must be one of', 26),
        ('{"id": 5, "leaf": "l", "kind": "k", "messages": []}', '"id" must be a string', 2),
        ('{"id": "x", "leaf": "l", "kind": "knowledge"}', 'missing "form"', 1),
        ("[" * 100_000, "JSON", 1),
    ],
)
def test_malformed_samples_are_located(tmp_path: Path, line: str, expected: str, col: int):
    directory = datafiles.write_leaf(tmp_path / "new", LEAF, PAIRS)
    samples = directory / "samples.jsonl"
    samples.write_text(samples.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    with pytest.raises(DamagedData) as caught:
        store.load_directory(tmp_path / "new")
    assert expected in caught.value.message
    assert caught.value.hint == reader.HINT
    assert not caught.value.outdated
    assert caught.value.location is not None
    assert caught.value.location.path == f"{(tmp_path / 'new').as_posix()}/{LEAF}/samples.jsonl"
    assert (caught.value.location.line, caught.value.location.col) == (4, col)


def test_a_stored_id_is_checked_against_the_content() -> None:
    error = damage(json.dumps(good_record(id="0123456789abcdef"), sort_keys=True))
    expected = good_record()["id"]
    assert error.message == f'"id" does not match the content, which hashes to {expected}'
    assert error.location is not None
    assert error.location.col == json.dumps(good_record(), sort_keys=True).index('"id"') + 1
    # The id hashes the leaf too: a record copied into another leaf is caught.
    assert "does not match" in damage(json.dumps({**good_record(), "leaf": "knowledge/b"})).message
    # ... and the form: the same text as another form of example is another sample.
    other_form = good_record(form="detailed_summary")
    other_form["messages"][0]["content"] = datafiles.PASSAGE + "\n\nq"  # type: ignore[index]
    assert "does not match" in damage(json.dumps(other_form)).message


def turn(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}, {"role": "assistant", "content": "a"}]


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([{"role": "assistant", "content": "a"}], 'one "user" then one "assistant"'),
        ([{"role": "user", "content": "q"}], 'one "user" then one "assistant"'),
        (
            [{"role": "assistant", "content": "a"}, {"role": "user", "content": "q"}],
            'one "user" then one "assistant"',
        ),
        (
            [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": "a"},
                {"role": "assistant", "content": "b"},
            ],
            'one "user" then one "assistant"',
        ),
        (
            [
                {"role": "system", "content": "s"},
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": "a"},
            ],
            'one "user" then one "assistant"',
        ),
        ([{"role": "user", "content": 7}, {"role": "assistant", "content": "a"}], "text"),
        ([{"role": "user", "content": "q", "name": "x"}], "no more"),
        (["q", "a"], "a message is"),
        ({"user": "q"}, "non-empty list"),
        ([], "non-empty list"),
        (None, '"messages" must be a non-empty list'),
        # Knowledge is closed book: the passage is provenance, not part of the user turn.
        (turn(datafiles.PASSAGE + "\n\nq"), 'not the one "form" makes'),
        (turn("Q"), 'not the one "form" makes'),
        ([{"role": "user", "content": "q"}, {"role": "assistant", "content": "b"}], '"answer"'),
    ],
)
def test_a_kept_sample_is_one_user_turn_and_one_answer(messages: object, expected: str) -> None:
    assert expected in damage(json.dumps(good_record(messages=messages))).message


def test_a_grounded_user_turn_is_its_context_then_its_question() -> None:
    good = good_record(GROUNDED)
    assert good["messages"][0]["content"] == datafiles.PASSAGE + "\n\nq"  # type: ignore[index]
    assert len(reader.parse_samples(json.dumps(good).encode(), "s")) == 1
    for wrong in ("q", datafiles.PASSAGE + "\nq", "q\n\n" + datafiles.PASSAGE, ""):
        error = damage(json.dumps(good_record(GROUNDED, messages=turn(wrong))))
        assert error.message == (
            'the "user" message is not the one "form" makes of "context" and "question"'
        )
        assert error.location is not None
        assert error.location.col == json.dumps(good).index('"messages"') + 1


def test_a_rejection_has_both_turns_and_an_empty_answer_when_it_never_got_one() -> None:
    unanswered = rejection_record(
        answer="", messages=[{"role": "user", "content": "q"}, {"role": "assistant", "content": ""}]
    )
    unanswered["id"] = datafiles.sample_id(LEAF, "knowledge_qa", datafiles.PASSAGE, "q", "")
    path = "generated/knowledge/a/rejected.jsonl"
    (read,) = reader.parse_rejections(json.dumps(unanswered).encode() + b"\n", path)
    assert (read.answer, read.stage, read.reason) == ("", "pair_rating", "low_score")
    unanswered["messages"] = [{"role": "user", "content": "q"}]
    with pytest.raises(DamagedData, match='one "user" then one "assistant"'):
        reader.parse_rejections(json.dumps(unanswered).encode(), path)
    stageless = rejection_record()
    del stageless["stage"]
    with pytest.raises(DamagedData, match='missing "stage"'):
        reader.parse_rejections(json.dumps(stageless).encode(), path)


def test_a_rejections_stage_is_located_at_the_top_level_key() -> None:
    # Each call inside "provenance" also has a "stage": the error points at the record's own.
    line = json.dumps(rejection_record(stage=7), sort_keys=True)
    error = damage(line, "rejected.jsonl")
    assert error.message == '"stage" must be a string'
    assert error.location is not None
    assert error.location.col == line.rindex('"stage"') + 1
    assert line.index('"stage"') < line.rindex('"stage"')


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"score": "3"}, '"score" must be an integer from 1 to 3'),
        ({"score": True}, '"score" must be an integer from 1 to 3'),
        ({"score": 2.5}, '"score" must be an integer from 1 to 3'),
        ({"score": 0}, '"score" must be an integer from 1 to 3'),
        ({"score": 4}, '"score" must be an integer from 1 to 3'),
        ({"context": 1}, '"context" must be a string'),
        ({"context": " \n"}, '"context" must not be blank in a sample of form "knowledge_qa"'),
        ({"question": ["q"]}, '"question" must be a string'),
        ({"answer": 4}, '"answer" must be a string'),
        ({"kind": "skill"}, '"kind" must be one of freeform_skill, grounded_skill, knowledge'),
        ({"form": "essay"}, '"form" must be one of instruction, grounded, knowledge_qa'),
        ({"form": "grounded"}, '"form" "grounded" is not data of a knowledge leaf'),
        ({"extra": 1}, 'unknown key "extra"'),
        ({"stage": "pair_rating"}, 'unknown key "stage"'),
    ],
)
def test_every_key_is_documented_and_typed(changes: dict[str, object], expected: str) -> None:
    assert damage(json.dumps(good_record(**changes))).message.startswith(expected)


@pytest.mark.parametrize("context", ["stray", " ", "\n"])
def test_an_instruction_has_no_context(context: str) -> None:
    # The id matches the stray context: only the rule about the form refuses the record.
    right_id = datafiles.sample_id(FREEFORM, "instruction", context, "q", "a")
    record = good_record(FREEFORM, context=context, id=right_id)
    assert damage(json.dumps(record)).message == (
        '"context" must be "" in a sample of form "instruction"'
    )
    rejected = rejection_record(FREEFORM, context=context, id=right_id)
    assert damage(json.dumps(rejected), "rejected.jsonl").message == (
        '"context" must be "" in a sample of form "instruction"'
    )
    # A rejection of a grounded candidate that never got a context may have a blank one.
    blank = rejection_record(GROUNDED, context="", question="", answer="", score=0)
    blank["messages"] = [
        {"role": "user", "content": "\n\n"},
        {"role": "assistant", "content": ""},
    ]
    blank["id"] = datafiles.sample_id(GROUNDED, "grounded", "", "", "")
    assert len(reader.parse_rejections(json.dumps(blank).encode(), "r")) == 1


def test_a_rejection_may_be_unscored_but_not_out_of_range() -> None:
    assert reader.parse_rejections(json.dumps(rejection_record(score=0)).encode(), "r")
    for score in (-1, 4, None):
        message = damage(json.dumps(rejection_record(score=score)), "rejected.jsonl").message
        assert message == '"score" must be an integer from 0 to 3'


@pytest.mark.parametrize(
    "key",
    ["answer", "context", "form", "id", "kind", "leaf", "messages", "provenance", "question"],
)
def test_null_is_never_a_value(key: str) -> None:
    message = damage(json.dumps({**good_record(), key: None})).message
    assert message.startswith(f'"{key}" must be ')


@pytest.mark.parametrize(
    "key",
    [
        "answer",
        "context",
        "form",
        "id",
        "kind",
        "leaf",
        "messages",
        "provenance",
        "question",
        "score",
    ],
)
def test_a_missing_key_is_damage(key: str) -> None:
    record = good_record()
    del record[key]
    assert damage(json.dumps(record)).message == f'missing "{key}"'


def provenance(**changes: object) -> dict[str, object]:
    made = dict(good_record()["provenance"])  # type: ignore[call-overload]
    made.update(changes)
    return made


@pytest.mark.parametrize(
    ("made", "expected", "at"),
    [
        ("doc", '"provenance" must be a JSON object', "provenance"),
        (
            {k: v for k, v in provenance().items() if k != "calls"},
            'missing "provenance.calls"',
            "provenance",
        ),
        (provenance(calls=[]), '"provenance.calls" must be a non-empty list', "calls"),
        (provenance(calls=None), '"provenance.calls" must be a non-empty list', "calls"),
        (provenance(calls=[{"stage": "x"}]), 'a call is a "stage" and a "request"', "calls"),
        (
            provenance(calls=[{"stage": "x", "request": ""}]),
            'a call is a "stage" and a "request"',
            "calls",
        ),
        (
            provenance(calls=[{"stage": "x", "request": "k", "cost": 1}]),
            'a call is a "stage" and a "request"',
            "calls",
        ),
        (provenance(chunk="0"), '"provenance.chunk" must be an integer from -1', "chunk"),
        (provenance(chunk=-2), '"provenance.chunk" must be an integer from -1', "chunk"),
        (provenance(chunk=None), '"provenance.chunk" must be an integer from -1', "chunk"),
        (provenance(document=None), '"provenance.document" must be a string', "document"),
        (provenance(document=""), '"provenance" names a document exactly when', "document"),
        (provenance(chunk=-1), '"provenance" names a document exactly when', "document"),
        (provenance(round=0), '"provenance.round" must be an integer from 1', "round"),
        (provenance(round=True), '"provenance.round" must be an integer from 1', "round"),
        (provenance(extra=1), 'unknown key "provenance.extra"', "extra"),
    ],
)
def test_provenance_is_exactly_the_documented_keys(made: object, expected: str, at: str) -> None:
    line = json.dumps(good_record(provenance=made), sort_keys=True)
    error = damage(line)
    assert error.message.startswith(expected)
    assert error.location is not None
    start = line.index('"provenance":')
    assert error.location.col == line.index(json.dumps(at) + ":", start) + 1


def test_format_1_records_are_outdated_not_damaged() -> None:
    old = {
        "context": None,
        "id": "0123456789abcdef",
        "kind": "freeform_skill",
        "leaf": FREEFORM,
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "score": None,
    }
    error = damage(json.dumps(old))
    assert error.outdated
    assert error.message == "a record of data format 1; this labtax reads format 2"
    assert error.hint == reader.OUTDATED_HINT
    assert "labtax generate --force" in error.hint
    rejected = damage(
        json.dumps({**old, "stage": "s", "reason": "r", "detail": ""}), "rejected.jsonl"
    )
    assert rejected.outdated


def test_repeated_ids_count_once_when_kept_and_each_time_when_rejected(tmp_path: Path):
    directory = datafiles.write_leaf(tmp_path / "new", LEAF, PAIRS, rejected=[("r", "x", "low")])
    for name in ("samples.jsonl", "rejected.jsonl"):
        path = directory / name
        first = path.read_text(encoding="utf-8").splitlines()[0]
        path.write_text(path.read_text(encoding="utf-8") + first + "\n", encoding="utf-8")
    leaf = store.load_directory(tmp_path / "new")[LEAF]
    assert len(leaf.samples) == 3
    assert len(leaf.rejected) == 2
    assert leaf.rejected_by_reason() == {"low": 2}


def test_blank_lines_are_skipped_and_lines_are_counted() -> None:
    line = json.dumps(good_record()).encode()
    assert len(reader.parse_samples(b"\n" + line + b"\n\n", "s")) == 1
    for bad, number in ((b"[1, 2]\n", 2), (b'{"ok": 1}\n', 2), (b"\n{broken\n", 3)):
        with pytest.raises(DamagedData) as caught:
            reader.parse_samples(line + b"\n" + bad, "s")
        assert caught.value.location is not None
        assert caught.value.location.line == number


def test_each_record_is_one_whole_line() -> None:
    line = json.dumps(good_record())
    assert len(reader.parse_samples(f"  {line} \t\r\n".encode(), "s")) == 1
    split = line.replace(', "messages": ', ',\n"messages": ')
    cases = [
        (f"{line} x\n", "not valid JSON: Extra data", (1, len(line) + 2)),
        (f"{line}{line}\n", "not valid JSON: Extra data", (1, len(line) + 1)),
        (f"{line}\n{split}\n", "not valid JSON: Expecting", (2, split.index("\n") + 1)),
        (f"{line}\n\xa0{line}\n", "not valid JSON: Expecting value", (2, 1)),
    ]
    for text, message, (number, col) in cases:
        with pytest.raises(DamagedData) as caught:
            reader.parse_samples(text.encode(), "s")
        assert caught.value.message.startswith(message), text
        assert caught.value.location is not None
        assert (caught.value.location.line, caught.value.location.col) == (number, col), text


def test_bad_utf8_is_located_to_the_character() -> None:
    raw = json.dumps(good_record()).encode() + b"\n" + '{"é": '.encode() + b"\xff\xfe\n"
    with pytest.raises(DamagedData, match="UTF-8") as caught:
        reader.parse_samples(raw, "s")
    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.col) == (2, 7)
    assert caught.value.render().startswith("s:2:7: error: not valid UTF-8")


# --- manifest.json ---------------------------------------------------------------------------


def manifest_text(tmp_path: Path, **changes: object) -> str:
    directory = datafiles.write_leaf(tmp_path, LEAF, PAIRS)
    data = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        table = data
        for parent in parents:
            table = table[parent]
        if value is None:
            del table[key]
        else:
            table[key] = value
    return json.dumps(data, indent=2, sort_keys=True)


def manifest_damage(text: str) -> DamagedData:
    with pytest.raises(DamagedData) as caught:
        reader.parse_manifest(text.encode("utf-8"), "m.json")
    return caught.value


def test_malformed_manifest_is_located(tmp_path: Path) -> None:
    broken = manifest_damage('{\n  "leaf": "knowledge/a",\n  "usage": [\n')
    assert broken.message.startswith("not valid JSON")
    assert broken.location is not None
    assert broken.location.line == 4
    text = manifest_text(tmp_path, usage__calls=-1)
    error = manifest_damage(text)
    assert error.message == '"usage.calls" must be a non-negative integer'
    assert error.location is not None
    lines = text.splitlines()
    assert lines[error.location.line - 1].strip().startswith('"calls": -1')
    assert error.location.col == lines[error.location.line - 1].index('"calls"') + 1


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"kind": None}, 'missing "kind"'),
        ({"files": None}, 'missing "files"'),
        ({"teacher__seed": None}, 'missing "teacher.seed"'),
        ({"surprise": 1}, 'unknown key "surprise"'),
        ({"usage__cached_calls": 0}, 'unknown key "usage.cached_calls"'),
        ({"teacher": "m"}, '"teacher" must be a JSON object'),
        ({"teacher__model": 3}, '"teacher.model" must be a string'),
        ({"teacher__temperature": "hot"}, '"teacher.temperature" must be a number'),
        ({"teacher__max_tokens": 1.5}, '"teacher.max_tokens" must be an integer'),
        ({"counts__kept": -1}, '"counts.kept" must be a non-negative integer'),
        (
            {"counts__rejected_by_reason": {"low": "2"}},
            '"counts.rejected_by_reason.low" must be a non-negative integer',
        ),
        ({"templates": {"x": 1}}, '"templates.x" must be a string'),
        # Names come from the file: shown escaped, so they cannot drive the terminal.
        ({"templates": {"\x1b[2J\u202e": 1}}, '"templates.\\u001b[2J\\u202e" must be a string'),
        ({"usage__cost_usd": -0.5}, '"usage.cost_usd" must be a non-negative number or null'),
        ({"usage__cost_usd": True}, '"usage.cost_usd" must be a non-negative number or null'),
        ({"inputs_hash": ["h"]}, '"inputs_hash" must be a string'),
        ({"format": "2"}, '"format" must be an integer'),
        ({"format": True}, '"format" must be an integer'),
        ({"usage__cached_prompt_tokens": None}, 'missing "usage.cached_prompt_tokens"'),
        (
            {"usage__cached_prompt_tokens": -3},
            '"usage.cached_prompt_tokens" must be a non-negative',
        ),
        ({"volume": None}, 'missing "volume"'),
        ({"volume__shortfall": None}, 'missing "volume.shortfall"'),
        ({"volume__shortfall": 0}, '"volume.shortfall" must be a string'),
        ({"volume__rounds": 1.0}, '"volume.rounds" must be a non-negative integer'),
        ({"volume__target": -1}, '"volume.target" must be a non-negative integer'),
        ({"stages": []}, '"stages" must be a JSON object'),
        (
            {"stages__skill_answer": {"temperature": 0.7}},
            'missing "stages.skill_answer.max_tokens"',
        ),
        ({"stages__skill_answer__temperature": None}, 'missing "stages.skill_answer.temperature"'),
        ({"stages__skill_answer__max_tokens": "8"}, '"stages.skill_answer.max_tokens" must be an'),
        ({"documents": None}, 'missing "documents"'),
        ({"documents": {}}, '"documents" must be a list'),
        ({"documents": [1]}, '"documents" must be a JSON object'),
        ({"documents": [{"path": "a.md", "chunks": 1}]}, 'missing "documents.kept"'),
        ({"documents": [{"path": 1, "chunks": 1, "kept": 0}]}, '"documents.path" must be a string'),
        ({"documents": [{"path": "a", "chunks": -1, "kept": 0}]}, '"documents.chunks" must be a'),
    ],
)
def test_the_manifest_is_exactly_the_documented_keys(
    tmp_path: Path, changes: dict[str, object], expected: str
) -> None:
    error = manifest_damage(manifest_text(tmp_path, **changes))
    assert error.message.startswith(expected)
    assert not error.outdated


def test_non_finite_numbers_are_damage(tmp_path: Path) -> None:
    text = manifest_text(tmp_path).replace('"cost_usd": 0.0125', '"cost_usd": NaN')
    assert "NaN" in text
    assert manifest_damage(text).message.startswith('"usage.cost_usd"')


def test_a_manifest_that_is_not_an_object(tmp_path: Path) -> None:
    error = manifest_damage("[]")
    assert error.message == "the manifest must be a JSON object"
    assert error.location is not None
    assert (error.location.line, error.location.col) == (1, 1)


def test_the_new_manifest_keys_are_read(tmp_path: Path) -> None:
    text = manifest_text(
        tmp_path,
        usage__cached_prompt_tokens=70,
        documents=[
            {"path": "b.md", "chunks": 3, "kept": 2},
            {"path": "a.md", "chunks": 1, "kept": 0},
        ],
        stages={"faithfulness": {"temperature": 0, "max_tokens": 64}},
    )
    manifest = reader.parse_manifest(text.encode(), "m.json")
    assert manifest.usage.cached_prompt_tokens == 70
    assert [(d.path, d.chunks, d.kept) for d in manifest.documents] == [
        ("b.md", 3, 2),
        ("a.md", 1, 0),
    ]
    assert manifest.stages["faithfulness"].temperature == 0.0
    assert manifest.stages["faithfulness"].max_tokens == 64
    assert (manifest.volume.target, manifest.volume.kept, manifest.volume.rounds) == (10, 3, 1)
    assert manifest.volume.shortfall == "kept 3 of 10 samples after 1 round"


def test_a_format_1_manifest_is_outdated_with_the_hint_to_regenerate(tmp_path: Path) -> None:
    text = manifest_text(
        tmp_path,
        format=None,
        volume=None,
        stages=None,
        documents=None,
        usage__cached_prompt_tokens=None,
    )
    error = manifest_damage(text)
    assert error.outdated
    assert error.message == "data format 1; this labtax reads format 2"
    assert error.hint == reader.OUTDATED_HINT
    assert error.render().startswith("m.json:1:1: error: data format 1")
    later = manifest_text(tmp_path, format=3)
    error = manifest_damage(later)
    assert error.outdated
    assert error.message == "data format 3; this labtax reads format 2"
    assert error.location is not None
    assert later.splitlines()[error.location.line - 1].strip() == '"format": 3,'


def test_trusted_questions_are_the_questions_the_strict_reader_reads() -> None:
    hostile = [
        'Say "question": "no" back to me?',
        "A line\nbreak, a \\ backslash and a tab\t?",
        "Ünïcode ✓ and \u2028 a separator?",
        "plain?",
    ]
    records = [
        datafiles.record(GROUNDED, q, f'An answer holding "question": "{i}".')
        for i, q in enumerate(hostile)
    ]
    raw = datafiles.jsonl(records).encode("utf-8")
    strict = reader.parse_samples(raw, "generated/x/samples.jsonl")
    assert reader.trusted_questions(raw) == tuple(s.question for s in strict)
    assert sorted(reader.trusted_questions(raw)) == sorted(hostile)
    assert reader.trusted_questions(b"") == ()
    assert reader.trusted_forms(raw) == tuple(s.form for s in strict)
    assert reader.trusted_forms(b"") == ()


def test_the_auxiliary_forms_are_the_auxiliary_pipelines():
    from labtax.dataset.records import AUXILIARY_FORMS
    from labtax.pipelines import auxiliary

    assert frozenset(auxiliary.FORMS) == AUXILIARY_FORMS

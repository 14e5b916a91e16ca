"""The one strict reader: what the format documents is read, anything else is located damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import datafiles
from labtax.dataset import reader, store
from labtax.dataset.reader import DamagedData
from labtax.dataset.records import Sample

PAIRS = [("What is 2+2?", "4"), ("Capital of France?", "Paris"), ("Largest planet?", "Jupiter")]
LEAF = "knowledge/a"


def good_record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "context": None,
        "id": Sample(LEAF, "knowledge", None, "q", "a").id,
        "kind": "knowledge",
        "leaf": LEAF,
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "score": 3,
    }
    record.update(changes)
    return record


def damage(line: str) -> DamagedData:
    with pytest.raises(DamagedData) as caught:
        reader.parse_samples(line.encode("utf-8") + b"\n", "generated/knowledge/a/samples.jsonl")
    return caught.value


def test_what_the_builders_write_is_read(tmp_path: Path) -> None:
    datafiles.write_leaf(tmp_path, LEAF, PAIRS, rejected=[("r", "x", "low_score")], cost=None)
    files = {p.name: p.read_bytes() for p in (tmp_path / LEAF).iterdir()}
    data = reader.parse_leaf(LEAF, files, f"generated/{LEAF}")
    assert data.leaf_id == LEAF
    assert [s.question for s in data.samples] == [
        q for q, _ in sorted(PAIRS, key=lambda p: datafiles.sample_id(LEAF, None, *p))
    ]
    assert data.rejected[0].reason == "low_score"
    assert data.rejected[0].stage == "pair_rating"
    assert data.manifest is not None
    assert data.manifest.teacher.model == "openai/labtax-fake-teacher"
    assert data.manifest.usage.cost_usd is None
    assert data.manifest.usage.calls == 8


def test_no_files_is_an_empty_leaf() -> None:
    data = reader.parse_leaf(LEAF, {}, "somewhere")
    assert (data.manifest, data.samples, data.rejected) == (None, (), ())


@pytest.mark.parametrize(
    ("line", "expected", "col"),
    [
        ("{not json", "not valid JSON", 2),
        ("[1, 2]", "a sample must be a JSON object", 1),
        ('{"id": "x", "leaf": "l", "kind": "k", "messages": []}', '"messages"', 39),
        ('{"id": 5, "leaf": "l", "kind": "k", "messages": []}', '"id" must be a string', 2),
        (
            '{"id": "x", "leaf": "l", "kind": "k", "messages": [{"role": "user", "content": "q"}]}',
            '"assistant"',
            39,
        ),
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
    assert caught.value.location is not None
    assert caught.value.location.path == f"{(tmp_path / 'new').as_posix()}/{LEAF}/samples.jsonl"
    assert (caught.value.location.line, caught.value.location.col) == (4, col)


def test_a_stored_id_is_checked_against_the_content() -> None:
    error = damage(json.dumps(good_record(id="0123456789abcdef"), sort_keys=True))
    expected = Sample(LEAF, "knowledge", None, "q", "a").id
    assert error.message == f'"id" does not match the content, which hashes to {expected}'
    assert error.location is not None
    assert error.location.col == json.dumps(good_record(), sort_keys=True).index('"id"') + 1
    # The id hashes the leaf too: a record copied into another leaf is caught.
    assert "does not match" in damage(json.dumps(good_record(leaf="knowledge/b"))).message


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([{"role": "assistant", "content": "a"}], 'no "user" message'),
        ([{"role": "user", "content": "q"}], 'no "assistant" message'),
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
    ],
)
def test_a_kept_sample_is_one_question_and_one_answer(messages: object, expected: str) -> None:
    assert expected in damage(json.dumps(good_record(messages=messages))).message


def test_a_rejection_may_lack_the_answer_but_nothing_else() -> None:
    question_only = Sample(LEAF, "knowledge", None, "q", "").reject("skill_answer", "empty")
    record = good_record(
        id=question_only.id,
        messages=[{"role": "user", "content": "q"}],
        stage="skill_answer",
        reason="empty",
        detail="",
        score=None,
    )
    path = "generated/knowledge/a/rejected.jsonl"
    (read,) = reader.parse_rejections(json.dumps(record).encode() + b"\n", path)
    assert read == question_only
    record["messages"] = [{"role": "assistant", "content": "a"}]
    with pytest.raises(DamagedData, match='no "user" message'):
        reader.parse_rejections(json.dumps(record).encode(), path)
    del record["stage"]
    record["messages"] = [{"role": "user", "content": "q"}]
    with pytest.raises(DamagedData, match='missing "stage"'):
        reader.parse_rejections(json.dumps(record).encode(), path)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"score": "3"}, '"score" must be an integer or null'),
        ({"score": True}, '"score" must be an integer or null'),
        ({"score": 2.5}, '"score" must be an integer or null'),
        ({"context": 1}, '"context" must be a string or null'),
        ({"kind": None}, '"kind" must be a string'),
        ({"extra": 1}, 'unknown key "extra"'),
        ({"stage": "pair_rating"}, 'unknown key "stage"'),
    ],
)
def test_every_key_is_documented_and_typed(changes: dict[str, object], expected: str) -> None:
    assert damage(json.dumps(good_record(**changes))).message == expected


@pytest.mark.parametrize("key", ["context", "score", "leaf"])
def test_a_missing_key_is_damage(key: str) -> None:
    record = good_record()
    del record[key]
    assert damage(json.dumps(record)).message == f'missing "{key}"'


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
    ],
)
def test_the_manifest_is_exactly_the_documented_keys(
    tmp_path: Path, changes: dict[str, object], expected: str
) -> None:
    assert manifest_damage(manifest_text(tmp_path, **changes)).message == expected


def test_non_finite_numbers_are_damage(tmp_path: Path) -> None:
    text = manifest_text(tmp_path).replace('"cost_usd": 0.0125', '"cost_usd": NaN')
    assert "NaN" in text
    assert manifest_damage(text).message.startswith('"usage.cost_usd"')


def test_a_manifest_that_is_not_an_object(tmp_path: Path) -> None:
    error = manifest_damage("[]")
    assert error.message == "the manifest must be a JSON object"
    assert error.location is not None
    assert (error.location.line, error.location.col) == (1, 1)

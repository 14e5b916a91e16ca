"""Reading `generated/` strictly, from bytes: directories, the working tree and git blobs alike.

Stored data is only ever what `writer` wrote, so anything else is damage to report, never to
repair or guess around:
- the files are UTF-8, strictly;
- a JSONL line is one object with exactly the documented keys, each of its documented type;
- a kept sample has one "user" message then one "assistant" message; a rejection may lack the
  assistant message (the candidate never got an answer);
- the stored `id` must be the one the record's content hashes to: it is checked, neither trusted
  nor silently recomputed;
- the manifest has exactly the documented keys and types.
Every problem is a `DamagedData`, located `file:line:col`, with the one hint. A kept sample stored
twice counts once (a sample is its content); a candidate rejected at two stages counts twice.

The module is one piece (over 400 lines) because it is the whole of the format's reading rules:
the JSONL records and the manifest share the error type, its hint and the way problems are
located, and a reader split in two would be two places to keep in step again.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

from labtax.dataset.records import (
    MANIFEST,
    REJECTED,
    SAMPLES,
    LeafData,
    Manifest,
    Rejection,
    Sample,
    SampleCounts,
    TeacherParams,
)
from labtax.errors import LabtaxError, Location
from labtax.usage import Usage

HINT = "the generated data is damaged: regenerate the leaf with `labtax generate`"

_SAMPLE_KEYS = frozenset({"context", "id", "kind", "leaf", "messages", "score"})
_REJECTION_KEYS = _SAMPLE_KEYS | {"detail", "reason", "stage"}
_MANIFEST_KEYS = frozenset(
    {
        "counts",
        "files",
        "inputs_hash",
        "kind",
        "labtax_version",
        "leaf",
        "teacher",
        "templates",
        "usage",
    }
)
_TEACHER_KEYS = frozenset({"max_tokens", "model", "samples_per_leaf", "seed", "temperature"})
_COUNTS_KEYS = frozenset({"candidates", "kept", "rejected", "rejected_by_reason"})
_USAGE_KEYS = frozenset({"calls", "completion_tokens", "cost_usd", "prompt_tokens"})
_MESSAGE_KEYS = frozenset({"role", "content"})
_KEPT_ROLES = ("user", "assistant")
_REJECTED_ROLES = (_KEPT_ROLES, ("user",))


class DamagedData(LabtaxError):  # noqa: N818 - data, not a bug: the name says what is wrong
    """A file of `generated/` that is not what the writer writes, located where it goes wrong."""

    def __init__(self, message: str, path: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message, hint=HINT, location=Location(path, line, col))


def parse_leaf(leaf_id: str, files: Mapping[str, bytes], where: str) -> LeafData:
    """A leaf's data from the bytes of its files (absent ones are empty); `where` names its dir."""
    manifest_raw = files.get(MANIFEST)
    manifest = None if manifest_raw is None else parse_manifest(manifest_raw, f"{where}/{MANIFEST}")
    samples = parse_samples(files.get(SAMPLES, b""), f"{where}/{SAMPLES}")
    rejected = parse_rejections(files.get(REJECTED, b""), f"{where}/{REJECTED}")
    return LeafData(leaf_id, manifest, samples, rejected)


# ---------------------------------------------------------------------------------------------
# samples.jsonl and rejected.jsonl


def parse_samples(raw: bytes, path: str) -> tuple[Sample, ...]:
    """The kept samples of a `samples.jsonl`, by id; a repeated sample counts once."""
    found: dict[str, Sample] = {}
    for at, record in _records(raw, path, "sample"):
        sample = _sample(record, at)
        found.setdefault(sample.id, sample)
    return tuple(found[key] for key in sorted(found))


def parse_rejections(raw: bytes, path: str) -> tuple[Rejection, ...]:
    """The rejections of a `rejected.jsonl`, in the writer's order; each line counts."""
    found = [_rejection(record, at) for at, record in _records(raw, path, "rejection")]
    return tuple(sorted(found, key=Rejection.sort_key))


# Where a record is, to locate errors: (path, the file's text, where the record's line starts).
_At = tuple[str, str, int]
_DECODER = json.JSONDecoder()
_JSON_BLANK = " \t\r"  # JSON's whitespace within a line


def _records(raw: bytes, path: str, noun: str) -> Iterator[tuple[_At, dict[str, Any]]]:
    """Each non-blank line's JSON object, with where it is.

    Values are scanned in place in the whole text rather than line by line, which is much faster
    for a good file; a line that does not hold exactly one value is decoded again on its own,
    which gives the error for it.
    """
    text = _decode(raw, path)
    size = len(text)
    start = 0
    while start < size:
        stop = text.find("\n", start)
        stop = size if stop < 0 else stop
        at = start
        if not text.startswith("{", start):  # not how the writer starts a line
            line = text[start:stop]
            if not line or line.isspace():
                start = stop + 1
                continue
            at += len(line) - len(line.lstrip(_JSON_BLANK))
        try:
            record, end = _DECODER.raw_decode(text, at)
        except json.JSONDecodeError:
            end = size + 1
        except RecursionError as exc:
            raise DamagedData("JSON nests too deeply", path, _line_number(text, start)) from exc
        if end > stop or text[end:stop].strip(_JSON_BLANK):
            _decode_line(text, start, stop, path)
        if type(record) is not dict:
            raise DamagedData(f"a {noun} must be a JSON object", path, _line_number(text, start))
        yield (path, text, start), record
        start = stop + 1


def _decode_line(text: str, start: int, stop: int, path: str) -> NoReturn:
    """Raise the error of the line `text[start:stop]` decoded on its own."""
    try:
        _DECODER.decode(text[start:stop])
    except json.JSONDecodeError as exc:
        line = _line_number(text, start)
        raise DamagedData(f"not valid JSON: {exc.msg}", path, line, exc.colno) from exc
    raise AssertionError("a line that does not scan decodes")  # unreachable: JSON is prefix-free


def _line_number(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _sample(record: dict[str, Any], at: _At) -> Sample:
    if record.keys() == _SAMPLE_KEYS:
        fields = _plain_fields(record)
        if fields is not None:
            sample = Sample(*fields)
            if sample.id == record["id"]:
                return sample
    return _checked_sample(record, at)


def _rejection(record: dict[str, Any], at: _At) -> Rejection:
    if record.keys() == _REJECTION_KEYS:
        fields = _plain_fields(record)
        stage, reason, detail = record["stage"], record["reason"], record["detail"]
        if fields is not None and type(stage) is type(reason) is type(detail) is str:
            rejection = Rejection(*fields, stage, reason, detail)
            if rejection.id == record["id"]:
                return rejection
    return _checked_rejection(record, at)


_Fields = tuple[str, str, str | None, str, str, int | None]  # Sample's, in order


def _plain_fields(record: dict[str, Any]) -> _Fields | None:
    messages = record["messages"]
    if type(messages) is not list or len(messages) != 2:
        return None
    user, assistant = messages
    leaf, kind, context, score = record["leaf"], record["kind"], record["context"], record["score"]
    if (
        type(user) is dict
        and type(assistant) is dict
        and user.keys() == _MESSAGE_KEYS
        and assistant.keys() == _MESSAGE_KEYS
        and user["role"] == "user"
        and assistant["role"] == "assistant"
        and type(user["content"]) is str
        and type(assistant["content"]) is str
        and type(leaf) is str
        and type(kind) is str
        and (context is None or type(context) is str)
        and (score is None or type(score) is int)
    ):
        return (leaf, kind, context, user["content"], assistant["content"], score)
    return None


def _checked_sample(record: dict[str, Any], at: _At) -> Sample:
    stored = _string(record, "id", at)
    leaf = _string(record, "leaf", at)
    kind = _string(record, "kind", at)
    question, answer = _messages(record, at, kept=True)
    context = _optional_string(record, "context", at)
    score = _score(record, at)
    _only(record, _SAMPLE_KEYS, at)
    sample = Sample(leaf, kind, context, question, answer, score)
    _check_id(stored, sample.id, at)
    return sample


def _checked_rejection(record: dict[str, Any], at: _At) -> Rejection:
    stored = _string(record, "id", at)
    leaf = _string(record, "leaf", at)
    kind = _string(record, "kind", at)
    question, answer = _messages(record, at, kept=False)
    context = _optional_string(record, "context", at)
    score = _score(record, at)
    stage = _string(record, "stage", at)
    reason = _string(record, "reason", at)
    detail = _string(record, "detail", at)
    _only(record, _REJECTION_KEYS, at)
    rejection = Rejection(leaf, kind, context, question, answer, score, stage, reason, detail)
    _check_id(stored, rejection.id, at)
    return rejection


def _messages(record: dict[str, Any], at: _At, *, kept: bool) -> tuple[str, str]:
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _at_key(at, '"messages" must be a non-empty list', "messages")
    for message in messages:
        if (
            not isinstance(message, dict)
            or message.keys() != _MESSAGE_KEYS
            or not isinstance(message["content"], str)
        ):
            raise _at_key(at, 'a message is a "role" and a text "content", no more', "messages")
    roles = tuple(message["role"] for message in messages)
    if "user" not in roles:
        raise _at_key(at, 'no "user" message (the question)', "messages")
    if kept and "assistant" not in roles:
        raise _at_key(at, 'no "assistant" message (the answer)', "messages")
    if roles != _KEPT_ROLES and (kept or roles not in _REJECTED_ROLES):
        alone = "" if kept else ', or the "user" message alone'
        raise _at_key(
            at, f'"messages" must be one "user" then one "assistant" message{alone}', "messages"
        )
    answer = messages[1]["content"] if len(messages) > 1 else ""
    return messages[0]["content"], answer


def _string(record: dict[str, Any], key: str, at: _At) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise _at_key(at, _wrong(record, key, "a string"), key)
    return value


def _optional_string(record: dict[str, Any], key: str, at: _At) -> str | None:
    value = record.get(key)
    if value is None and key in record:
        return None
    if not isinstance(value, str):
        raise _at_key(at, _wrong(record, key, "a string or null"), key)
    return value


def _score(record: dict[str, Any], at: _At) -> int | None:
    value = record.get("score")
    if value is None and "score" in record:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _at_key(at, _wrong(record, "score", "an integer or null"), "score")
    return value


def _only(record: dict[str, Any], keys: frozenset[str], at: _At) -> None:
    unknown = sorted(record.keys() - keys)
    if unknown:
        raise _at_key(at, f"unknown key {json.dumps(unknown[0])}", unknown[0])


def _check_id(stored: str, computed: str, at: _At) -> None:
    if stored != computed:
        raise _at_key(at, f'"id" does not match the content, which hashes to {computed}', "id")


def _wrong(record: dict[str, Any], key: str, kind: str) -> str:
    return f'"{key}" must be {kind}' if key in record else f'missing "{key}"'


def _at_key(at: _At, message: str, key: str) -> DamagedData:
    path, text, start = at
    stop = text.find("\n", start)
    line = text[start : len(text) if stop < 0 else stop]
    return DamagedData(message, path, _line_number(text, start), _column(line, key))


def _column(line: str, key: str) -> int:
    # The writer puts `"key": value` on one line; an unusual spelling falls back to column 1.
    found = line.find(json.dumps(key) + ":")
    return found + 1 if found >= 0 else 1


def _decode(raw: bytes, path: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = raw.rfind(b"\n", 0, exc.start) + 1
        line = raw.count(b"\n", 0, exc.start) + 1
        col = len(raw[start : exc.start].decode("utf-8", errors="replace")) + 1
        raise DamagedData("not valid UTF-8", path, line, col) from exc


# ---------------------------------------------------------------------------------------------
# manifest.json


def parse_manifest(raw: bytes, path: str) -> Manifest:
    """The manifest of a leaf: exactly the documented keys, each of its documented type."""
    text = _decode(raw, path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DamagedData(f"not valid JSON: {exc.msg}", path, exc.lineno, exc.colno) from exc
    except RecursionError as exc:
        raise DamagedData("JSON nests too deeply", path) from exc
    doc = _Document(path, text)
    top = doc.table(data, (), _MANIFEST_KEYS)
    teacher = doc.table(top["teacher"], ("teacher",), _TEACHER_KEYS)
    counts = doc.table(top["counts"], ("counts",), _COUNTS_KEYS)
    usage = doc.table(top["usage"], ("usage",), _USAGE_KEYS)
    return Manifest(
        leaf=doc.string(top, ("leaf",)),
        kind=doc.string(top, ("kind",)),
        inputs_hash=doc.string(top, ("inputs_hash",)),
        labtax_version=doc.string(top, ("labtax_version",)),
        teacher=TeacherParams(
            doc.string(teacher, ("teacher", "model")),
            doc.number(teacher, ("teacher", "temperature")),
            doc.integer(teacher, ("teacher", "max_tokens")),
            doc.integer(teacher, ("teacher", "seed")),
            doc.integer(teacher, ("teacher", "samples_per_leaf")),
        ),
        templates=doc.strings(top, ("templates",)),
        counts=SampleCounts(
            doc.count(counts, ("counts", "candidates")),
            doc.count(counts, ("counts", "kept")),
            doc.count(counts, ("counts", "rejected")),
            doc.counts(counts, ("counts", "rejected_by_reason")),
        ),
        usage=Usage(
            calls=doc.count(usage, ("usage", "calls")),
            prompt_tokens=doc.count(usage, ("usage", "prompt_tokens")),
            completion_tokens=doc.count(usage, ("usage", "completion_tokens")),
            cost_usd=doc.cost(usage, ("usage", "cost_usd")),
        ),
        files=doc.strings(top, ("files",)),
    )


class _Document:
    """Checks on a parsed manifest that locate each problem at its key in the text."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text

    def fail(self, message: str, keys: tuple[str, ...]) -> DamagedData:
        line, col = _position(self.text, keys)
        return DamagedData(message, self.path, line, col)

    def table(
        self, value: object, keys: tuple[str, ...], expected: frozenset[str] | None
    ) -> dict[str, Any]:
        """`value` as a JSON object with exactly the `expected` keys (any keys when None)."""
        if not isinstance(value, dict):
            what = _name(keys) if keys else "the manifest"
            raise self.fail(f"{what} must be a JSON object", keys)
        if expected is None or value.keys() == expected:
            return value
        for key in sorted(expected):
            if key not in value:
                raise self.fail(f"missing {_name((*keys, key))}", keys)
        unknown = sorted(value.keys() - expected)
        if unknown:
            raise self.fail(f"unknown key {_name((*keys, unknown[0]))}", (*keys, unknown[0]))
        return value

    def string(self, table: dict[str, Any], keys: tuple[str, ...]) -> str:
        value = table[keys[-1]]
        if not isinstance(value, str):
            raise self.fail(f"{_name(keys)} must be a string", keys)
        return value

    def integer(self, table: dict[str, Any], keys: tuple[str, ...]) -> int:
        value = table[keys[-1]]
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"{_name(keys)} must be an integer", keys)
        return value

    def count(self, table: dict[str, Any], keys: tuple[str, ...]) -> int:
        value = table[keys[-1]]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(f"{_name(keys)} must be a non-negative integer", keys)
        return value

    def number(self, table: dict[str, Any], keys: tuple[str, ...]) -> float:
        value = table[keys[-1]]
        if not _finite(value):
            raise self.fail(f"{_name(keys)} must be a number", keys)
        return float(value)

    def cost(self, table: dict[str, Any], keys: tuple[str, ...]) -> float | None:
        value = table[keys[-1]]
        if value is None:
            return None
        if not _finite(value) or value < 0:
            raise self.fail(f"{_name(keys)} must be a non-negative number or null", keys)
        return float(value)

    def strings(self, table: dict[str, Any], keys: tuple[str, ...]) -> dict[str, str]:
        """A JSON object of text values, e.g. template name -> digest."""
        found = self.table(table[keys[-1]], keys, None)
        return {name: self.string(found, (*keys, name)) for name in found}

    def counts(self, table: dict[str, Any], keys: tuple[str, ...]) -> dict[str, int]:
        """A JSON object of non-negative integers, e.g. reason -> rejections."""
        found = self.table(table[keys[-1]], keys, None)
        return {name: self.count(found, (*keys, name)) for name in found}


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _name(keys: tuple[str, ...]) -> str:
    """A key path as messages show it: quoted and dotted, escaped (keys are untrusted text)."""
    return json.dumps(".".join(keys))


def _position(text: str, keys: tuple[str, ...]) -> tuple[int, int]:
    """Line and column of the innermost of `keys` (a path of nested keys) found in `text`.

    The writer puts each key on its own line (indent 2), so the first `"key":` after the parent's
    is the key itself; a path not found in the text points at its deepest key that is.
    """
    offset = 0
    for key in keys:
        found = text.find(json.dumps(key, ensure_ascii=False) + ":", offset)
        if found < 0:
            break
        offset = found
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col

"""Reading `generated/` strictly, from bytes: directories, the working tree and git blobs alike.

Stored data is only ever what `writer` wrote (format 2), so anything else is damage to report,
never to repair or guess around:
- the files are UTF-8, strictly;
- a JSONL line is one object with exactly the documented keys, each of its documented type, none
  null; `kind` and `form` are known values and belong together;
- `messages` is one "user" then one "assistant" message: the user turn is what the `form` makes of
  `context` and `question`, the assistant turn is the `answer` (empty for a rejection that never
  got one);
- a kept sample scores 1 to 3 (a rejection 0, unscored, to 3); its provenance names at least one
  call, a round from 1, and a document exactly when it names a chunk;
- the stored `id` must be the one the record's content hashes to: it is checked, neither trusted
  nor silently recomputed;
- the manifest is `format` 2 with exactly the documented keys and types.
Every problem is a `DamagedData`, located `file:line:col`, with the one hint; data of another
format (labtax before format 2 wrote format 1) is refused the same way, marked `outdated`, with
the hint to regenerate it. A kept sample stored twice counts once (a sample is its content); a
candidate rejected at two stages counts twice.

The module is one piece (over 700 lines) because it is the whole of the format's reading rules:
the JSONL records and the manifest share the error type, its hint and the way problems are
located, and the fast readers of vouched files (`trusted_*`) must give what the strict reader
gives (tested against it); a reader split in two would be two places to keep in step again, as
`generated/` had three before issue 9.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

from labtax.dataset.records import (
    FORM_KINDS,
    FORMAT,
    MANIFEST,
    MAX_SCORE,
    NO_CHUNK,
    NO_DOCUMENT,
    REJECTED,
    SAMPLES,
    UNSCORED,
    Call,
    DocumentUse,
    Form,
    LeafData,
    Manifest,
    Provenance,
    Rejection,
    Sample,
    SampleCounts,
    StageSettings,
    TeacherParams,
    Volume,
    has_context,
    user_turn,
)
from labtax.errors import LabtaxError, Location
from labtax.usage import Usage

HINT = "the generated data is damaged: regenerate the leaf with `labtax generate`"
OUTDATED_HINT = (
    "this data was written by an older labtax: regenerate the leaf with `labtax generate --force`"
)

_SAMPLE_KEYS = frozenset(
    {
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
    }
)
_REJECTION_KEYS = _SAMPLE_KEYS | {"detail", "reason", "stage"}
# What format 1 wrote, recognised only to say so.
_FORMAT1_SAMPLE_KEYS = frozenset({"context", "id", "kind", "leaf", "messages", "score"})
_FORMAT1_KEYS = (_FORMAT1_SAMPLE_KEYS, _FORMAT1_SAMPLE_KEYS | {"detail", "reason", "stage"})
_PROVENANCE_KEYS = frozenset({"calls", "chunk", "document", "round"})
_CALL_KEYS = frozenset({"request", "stage"})
_MANIFEST_KEYS = frozenset(
    {
        "counts",
        "documents",
        "files",
        "format",
        "inputs_hash",
        "kind",
        "labtax_version",
        "leaf",
        "stages",
        "teacher",
        "templates",
        "usage",
        "volume",
    }
)
_TEACHER_KEYS = frozenset({"max_tokens", "model", "samples_per_leaf", "seed", "temperature"})
_COUNTS_KEYS = frozenset({"candidates", "kept", "rejected", "rejected_by_reason"})
_USAGE_KEYS = frozenset(
    {"cached_prompt_tokens", "calls", "completion_tokens", "cost_usd", "prompt_tokens"}
)
_VOLUME_KEYS = frozenset({"kept", "rounds", "shortfall", "target"})
_STAGE_KEYS = frozenset({"max_tokens", "temperature"})
_DOCUMENT_KEYS = frozenset({"chunks", "kept", "path"})
_MESSAGE_KEYS = frozenset({"role", "content"})
_ROLES = ("user", "assistant")
_KINDS = frozenset(FORM_KINDS.values())


class DamagedData(LabtaxError):  # noqa: N818 - data, not a bug: the name says what is wrong
    """A file of `generated/` that is not what the writer writes, located where it goes wrong.

    `outdated` is true when the file is data of another format version rather than damaged.
    """

    def __init__(
        self, message: str, path: str, line: int = 1, col: int = 1, *, outdated: bool = False
    ) -> None:
        super().__init__(
            message, hint=OUTDATED_HINT if outdated else HINT, location=Location(path, line, col)
        )
        self.outdated = outdated


def parse_leaf(leaf_id: str, files: Mapping[str, bytes], where: str) -> LeafData:
    """A leaf's data from the bytes of its files (absent ones are empty); `where` names its dir."""
    manifest_raw = files.get(MANIFEST)
    manifest = None if manifest_raw is None else parse_manifest(manifest_raw, f"{where}/{MANIFEST}")
    samples = parse_samples(files.get(SAMPLES, b""), f"{where}/{SAMPLES}")
    rejected = parse_rejections(files.get(REJECTED, b""), f"{where}/{REJECTED}")
    return LeafData(leaf_id, manifest, samples, rejected)


# ---------------------------------------------------------------------------------------------
# samples.jsonl and rejected.jsonl


_QUESTION_KEY = '"question": '
_FORM_KEY = '"form": '
_PROVENANCE_KEY = '"provenance": '


def trusted_forms(raw: bytes) -> tuple[str, ...]:
    """The forms of the kept samples of a vouched `samples.jsonl`, in line order, read as
    `trusted_questions` reads questions: `"form": ` occurs once per written line (no other key
    ends in `form`, and a quote inside a string is escaped)."""
    return _first_values(raw.decode("utf-8"), _FORM_KEY)


def _first_values(text: str, key_text: str) -> tuple[str, ...]:
    found: list[str] = []
    start = 0
    while True:
        key = text.find(key_text, start)
        if key < 0:
            return tuple(found)
        value, end = _DECODER.raw_decode(text, key + len(key_text))
        found.append(value)
        start = text.find("\n", end)
        if start < 0:
            return tuple(found)


def trusted_questions(raw: bytes) -> tuple[str, ...]:
    """The kept questions of a `samples.jsonl` whose digest its manifest records, read without
    checking the records (a tree of 100,000 samples is read in a fraction of the time).

    Only for bytes the writer produced, which `status.digests_match` vouches for; anything else
    goes through `parse_samples`. In a written line the key `"question": ` cannot occur inside a
    string (a quote in a string is escaped) and no other key ends in `question`, so the first one
    on each line is the sample's question."""
    return _first_values(raw.decode("utf-8"), _QUESTION_KEY)


def trusted_chunks(raw: bytes) -> frozenset[tuple[str, int]]:
    """The (document, chunk) pairs the kept samples of a vouched `samples.jsonl` are grounded in,
    read as `trusted_questions` reads questions: `"provenance": ` occurs once per written line."""
    text = raw.decode("utf-8")
    found: set[tuple[str, int]] = set()
    start = text.find(_PROVENANCE_KEY)
    while start >= 0:
        value, end = _DECODER.raw_decode(text, start + len(_PROVENANCE_KEY))
        found.add((value["document"], value["chunk"]))
        start = text.find(_PROVENANCE_KEY, end)
    return frozenset(found)


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


# A good record is read by `_plain_fields` alone: one pass of exact type checks, no messages. Only
# a record it does not accept goes through the `_checked_*` readers, which find and locate what is
# wrong (and accept nothing `_plain_fields` refuses).


def _sample(record: dict[str, Any], at: _At) -> Sample:
    if record.keys() == _SAMPLE_KEYS:
        fields = _plain_fields(record, kept=True)
        if fields is not None:
            sample = Sample(*fields)
            if sample.id == record["id"]:
                return sample
    return _checked_sample(record, at)


def _rejection(record: dict[str, Any], at: _At) -> Rejection:
    if record.keys() == _REJECTION_KEYS:
        fields = _plain_fields(record, kept=False)
        stage, reason, detail = record["stage"], record["reason"], record["detail"]
        if fields is not None and type(stage) is type(reason) is type(detail) is str:
            rejection = Rejection(*fields, stage, reason, detail)
            if rejection.id == record["id"]:
                return rejection
    return _checked_rejection(record, at)


# Sample's fields, in order.
_Fields = tuple[str, str, Form, str, str, str, int, Provenance]


def _plain_fields(record: dict[str, Any], *, kept: bool) -> _Fields | None:
    leaf, kind, form = record["leaf"], record["kind"], record["form"]
    context, question, answer = record["context"], record["question"], record["answer"]
    score, messages = record["score"], record["messages"]
    if (
        type(leaf) is not str
        or type(form) is not str
        or FORM_KINDS.get(form) != kind  # type: ignore[call-overload]
        or type(context) is not str
        or type(question) is not str
        or type(answer) is not str
        or type(score) is not int
        or not (1 if kept else UNSCORED) <= score <= MAX_SCORE
        or type(messages) is not list
        or len(messages) != 2
        or (kept and not context.strip() if has_context(form) else context)
    ):
        return None
    user, assistant = messages
    if (
        type(user) is not dict
        or type(assistant) is not dict
        or user.keys() != _MESSAGE_KEYS
        or assistant.keys() != _MESSAGE_KEYS
        or user["role"] != "user"
        or assistant["role"] != "assistant"
        or user["content"] != user_turn(form, context, question)
        or assistant["content"] != answer
    ):
        return None
    provenance = _plain_provenance(record["provenance"])
    if provenance is None:
        return None
    return (leaf, kind, form, context, question, answer, score, provenance)  # type: ignore[return-value]


def _plain_provenance(value: object) -> Provenance | None:
    if type(value) is not dict or value.keys() != _PROVENANCE_KEYS:
        return None
    calls, chunk, document, round_ = (
        value["calls"],
        value["chunk"],
        value["document"],
        value["round"],
    )
    if (
        type(calls) is not list
        or not calls
        or type(chunk) is not int
        or type(document) is not str
        or type(round_) is not int
        or round_ < 1
        or chunk < NO_CHUNK
        or (chunk == NO_CHUNK) != (document == NO_DOCUMENT)
    ):
        return None
    made: list[Call] = []
    for call in calls:
        if type(call) is not dict or call.keys() != _CALL_KEYS:
            return None
        stage, request = call["stage"], call["request"]
        if type(stage) is not str or type(request) is not str or not stage or not request:
            return None
        made.append(Call(stage, request))
    return Provenance(tuple(made), round_, document, chunk)


def _checked_sample(record: dict[str, Any], at: _At) -> Sample:
    fields = _checked_fields(record, at, _SAMPLE_KEYS, kept=True)
    sample = Sample(*fields)
    _check_id(_string(record, "id", at), sample.id, at)
    return sample


def _checked_rejection(record: dict[str, Any], at: _At) -> Rejection:
    fields = _checked_fields(record, at, _REJECTION_KEYS, kept=False)
    stage = _string(record, "stage", at)
    reason = _string(record, "reason", at)
    detail = _string(record, "detail", at)
    rejection = Rejection(*fields, stage, reason, detail)
    _check_id(_string(record, "id", at), rejection.id, at)
    return rejection


def _checked_fields(
    record: dict[str, Any], at: _At, keys: frozenset[str], *, kept: bool
) -> _Fields:
    if record.keys() in _FORMAT1_KEYS:
        path, text, start = at
        raise DamagedData(
            "a record of data format 1; this labtax reads format 2",
            path,
            _line_number(text, start),
            outdated=True,
        )
    _string(record, "id", at)
    leaf = _string(record, "leaf", at)
    kind = _string(record, "kind", at)
    if kind not in _KINDS:
        raise _at_key(at, f'"kind" must be one of {", ".join(sorted(_KINDS))}', "kind")
    form = _form(record, kind, at)
    context = _string(record, "context", at)
    question = _string(record, "question", at)
    answer = _string(record, "answer", at)
    _check_context(form, context, at, kept=kept)
    _check_messages(record, user_turn(form, context, question), answer, at)
    score = _score(record, at, kept=kept)
    provenance = _provenance(record, at)
    _only(record, keys, at)
    return (leaf, kind, form, context, question, answer, score, provenance)


def _form(record: dict[str, Any], kind: str, at: _At) -> Form:
    form = _string(record, "form", at)
    if form not in FORM_KINDS:
        raise _at_key(at, f'"form" must be one of {", ".join(FORM_KINDS)}', "form")
    known: Form = form  # type: ignore[assignment]
    if FORM_KINDS[known] != kind:
        raise _at_key(at, f'"form" {json.dumps(form)} is not data of a {kind} leaf', "form")
    return known


def _check_context(form: Form, context: str, at: _At, *, kept: bool) -> None:
    if not has_context(form) and context:
        raise _at_key(at, f'"context" must be "" in a sample of form "{form}"', "context")
    if kept and has_context(form) and not context.strip():
        raise _at_key(at, f'"context" must not be blank in a sample of form "{form}"', "context")


def _check_messages(record: dict[str, Any], turn: str, answer: str, at: _At) -> None:
    messages = record.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _at_key(at, _wrong(record, "messages", "a non-empty list"), "messages")
    for message in messages:
        if (
            not isinstance(message, dict)
            or message.keys() != _MESSAGE_KEYS
            or not isinstance(message["content"], str)
        ):
            raise _at_key(at, 'a message is a "role" and a text "content", no more', "messages")
    roles = tuple(message["role"] for message in messages)
    if roles != _ROLES:
        raise _at_key(at, '"messages" must be one "user" then one "assistant" message', "messages")
    if messages[0]["content"] != turn:
        raise _at_key(
            at,
            'the "user" message is not the one "form" makes of "context" and "question"',
            "messages",
        )
    if messages[1]["content"] != answer:
        raise _at_key(at, 'the "assistant" message is not the "answer"', "messages")


def _score(record: dict[str, Any], at: _At, *, kept: bool) -> int:
    value = record.get("score")
    least = 1 if kept else UNSCORED
    if not isinstance(value, int) or isinstance(value, bool) or not least <= value <= MAX_SCORE:
        what = f"an integer from {least} to {MAX_SCORE}"
        raise _at_key(at, _wrong(record, "score", what), "score")
    return value


def _provenance(record: dict[str, Any], at: _At) -> Provenance:
    value = record.get("provenance")
    if not isinstance(value, dict):
        raise _at_key(at, _wrong(record, "provenance", "a JSON object"), "provenance")
    for key in sorted(_PROVENANCE_KEYS):
        if key not in value:
            raise _at_key(at, f'missing "provenance.{key}"', "provenance")
    _only(value, _PROVENANCE_KEYS, at, "provenance.")
    document, chunk, round_ = value["document"], value["chunk"], value["round"]
    if not isinstance(document, str):
        raise _at_inner(at, '"provenance.document" must be a string', "document")
    if not _is_int(chunk) or chunk < NO_CHUNK:
        raise _at_inner(at, '"provenance.chunk" must be an integer from -1', "chunk")
    if (chunk == NO_CHUNK) != (document == NO_DOCUMENT):
        raise _at_inner(
            at, '"provenance" names a document exactly when it names a chunk', "document"
        )
    if not _is_int(round_) or round_ < 1:
        raise _at_inner(at, '"provenance.round" must be an integer from 1', "round")
    calls = value["calls"]
    if not isinstance(calls, list) or not calls:
        raise _at_inner(at, '"provenance.calls" must be a non-empty list', "calls")
    made: list[Call] = []
    for call in calls:
        if (
            not isinstance(call, dict)
            or call.keys() != _CALL_KEYS
            or not all(isinstance(v, str) and v for v in call.values())
        ):
            raise _at_inner(
                at, 'a call is a "stage" and a "request", both non-empty text, no more', "calls"
            )
        made.append(Call(call["stage"], call["request"]))
    return Provenance(tuple(made), round_, document, chunk)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _string(record: dict[str, Any], key: str, at: _At) -> str:
    value = record.get(key)
    if not isinstance(value, str):
        raise _at_key(at, _wrong(record, key, "a string"), key)
    return value


def _only(record: dict[str, Any], keys: frozenset[str], at: _At, prefix: str = "") -> None:
    unknown = sorted(record.keys() - keys)
    if unknown:
        raise _at_key(at, f"unknown key {json.dumps(prefix + unknown[0])}", unknown[0])


def _check_id(stored: str, computed: str, at: _At) -> None:
    if stored != computed:
        raise _at_key(at, f'"id" does not match the content, which hashes to {computed}', "id")


def _wrong(record: dict[str, Any], key: str, kind: str) -> str:
    return f'"{key}" must be {kind}' if key in record else f'missing "{key}"'


def _at_key(at: _At, message: str, key: str) -> DamagedData:
    """`message` located at the top-level `key` of the record at `at`."""
    path, text, start = at
    stop = text.find("\n", start)
    line = text[start : len(text) if stop < 0 else stop]
    # Keys are sorted and "stage" is also a key of each call inside "provenance", which comes
    # first: the last `"key":` of the line is the top-level one. Text values hold quotes escaped.
    found = line.rfind(json.dumps(key) + ":")
    # An unusual spelling of the key falls back to column 1.
    return DamagedData(message, path, _line_number(text, start), found + 1 if found >= 0 else 1)


def _at_inner(at: _At, message: str, key: str) -> DamagedData:
    """`message` located at `key` inside the record's "provenance" object."""
    path, text, start = at
    stop = text.find("\n", start)
    line = text[start : len(text) if stop < 0 else stop]
    outer = line.rfind('"provenance":')
    found = line.find(json.dumps(key) + ":", max(outer, 0))
    col = found + 1 if found >= 0 else outer + 1 if outer >= 0 else 1
    return DamagedData(message, path, _line_number(text, start), col)


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
    _check_format(doc, data)
    top = doc.table(data, (), _MANIFEST_KEYS)
    teacher = doc.table(top["teacher"], ("teacher",), _TEACHER_KEYS)
    counts = doc.table(top["counts"], ("counts",), _COUNTS_KEYS)
    usage = doc.table(top["usage"], ("usage",), _USAGE_KEYS)
    volume = doc.table(top["volume"], ("volume",), _VOLUME_KEYS)
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
            cached_prompt_tokens=doc.count(usage, ("usage", "cached_prompt_tokens")),
        ),
        volume=Volume(
            doc.count(volume, ("volume", "target")),
            doc.count(volume, ("volume", "kept")),
            doc.count(volume, ("volume", "rounds")),
            doc.string(volume, ("volume", "shortfall")),
        ),
        stages=_stages(doc, top),
        documents=_documents(doc, top),
        files=doc.strings(top, ("files",)),
    )


def _check_format(doc: _Document, data: object) -> None:
    """Refuse another format's manifest as outdated; format 1 had no `format` key."""
    if not isinstance(data, dict):
        return  # the table check says what is wrong
    found = data.get("format", 1)
    if _is_int(found) and found != FORMAT:
        raise doc.fail(
            f"data format {found}; this labtax reads format {FORMAT}",
            ("format",) if "format" in data else (),
            outdated=True,
        )
    if "format" in data:
        doc.integer(data, ("format",))


def _stages(doc: _Document, top: dict[str, Any]) -> dict[str, StageSettings]:
    found = doc.table(top["stages"], ("stages",), None)
    stages: dict[str, StageSettings] = {}
    for name in found:
        keys = ("stages", name)
        settings = doc.table(found[name], keys, _STAGE_KEYS)
        stages[name] = StageSettings(
            doc.number(settings, (*keys, "temperature")),
            doc.integer(settings, (*keys, "max_tokens")),
        )
    return stages


def _documents(doc: _Document, top: dict[str, Any]) -> tuple[DocumentUse, ...]:
    found = top["documents"]
    if not isinstance(found, list):
        raise doc.fail('"documents" must be a list', ("documents",))
    used: list[DocumentUse] = []
    for item in found:
        # The items of a list have no key to point at: problems are located at "documents".
        keys = ("documents",)
        entry = doc.table(item, keys, _DOCUMENT_KEYS)
        used.append(
            DocumentUse(
                doc.string(entry, (*keys, "path")),
                doc.count(entry, (*keys, "chunks")),
                doc.count(entry, (*keys, "kept")),
            )
        )
    return tuple(used)


class _Document:
    """Checks on a parsed manifest that locate each problem at its key in the text."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text

    def fail(self, message: str, keys: tuple[str, ...], *, outdated: bool = False) -> DamagedData:
        line, col = _position(self.text, keys)
        return DamagedData(message, self.path, line, col, outdated=outdated)

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

"""Compare two states of `generated/` leaf by leaf and sample by sample.

A state comes from a git ref, the working tree or any directory; each is read from the documented
on-disk layout (`samples.jsonl`, `rejected.jsonl`, `manifest.json` per leaf directory), so this
module depends on the files, not on the writer. Samples are matched by their content (context,
question, answer), which within one leaf is exactly what the sample id hashes; matching on content
rather than on the id also lets a leaf whose data moved to another leaf id be recognised as renamed.
"""

from __future__ import annotations

import json
import stat
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from labtax import gitio
from labtax.config import Config
from labtax.errors import LabtaxError, Location

SAMPLES = "samples.jsonl"
REJECTED = "rejected.jsonl"
MANIFEST = "manifest.json"
DATA_FILES = (SAMPLES, REJECTED, MANIFEST)

# A removed leaf and a new leaf are the same data moved when at least this share of the larger
# leaf's samples are identical.
RENAME_SIMILARITY = 0.5

LeafStatus = Literal["new", "removed", "renamed", "changed", "unchanged"]
SampleStatus = Literal["added", "removed", "changed"]
STATUS_ORDER: tuple[LeafStatus, ...] = ("new", "removed", "renamed", "changed", "unchanged")


# ---------------------------------------------------------------------------------------------
# What a dataset state holds


@dataclass(frozen=True)
class StoredSample:
    """One line of `samples.jsonl` or `rejected.jsonl`, reduced to what a reviewer compares."""

    id: str
    leaf: str
    kind: str
    context: str | None
    question: str
    answer: str
    score: int | None = None
    stage: str | None = None
    reason: str | None = None
    detail: str | None = None

    @property
    def content(self) -> tuple[str | None, str, str]:
        return (self.context, self.question, self.answer)

    def as_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "id": self.id,
            "leaf": self.leaf,
            "kind": self.kind,
            "context": self.context,
            "question": self.question,
            "answer": self.answer,
            "score": self.score,
        }
        if self.reason is not None:
            record.update(stage=self.stage, reason=self.reason, detail=self.detail)
        return record


@dataclass(frozen=True)
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": self.cost_usd,
        }


@dataclass(frozen=True)
class ManifestInfo:
    """The parts of `manifest.json` a diff reports on; `raw` keeps the rest for equality."""

    model: str | None
    kind: str | None
    inputs_hash: str | None
    templates: tuple[tuple[str, str], ...]
    usage: Usage
    raw: str  # canonical JSON of the whole manifest


@dataclass(frozen=True)
class LeafData:
    """One leaf directory of a dataset state."""

    leaf_id: str
    manifest: ManifestInfo | None
    samples: tuple[StoredSample, ...]
    rejected: tuple[StoredSample, ...]

    def rejected_by_reason(self) -> dict[str, int]:
        return dict(Counter(r.reason or "unknown" for r in self.rejected))


DatasetState = Mapping[str, LeafData]


# ---------------------------------------------------------------------------------------------
# The diff records


@dataclass(frozen=True)
class SampleChange:
    """A sample added (no `before`), removed (no `after`) or changed (both: same question)."""

    status: SampleStatus
    before: StoredSample | None
    after: StoredSample | None

    @property
    def id(self) -> str:
        sample = self.after or self.before
        return sample.id if sample else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "before": self.before.as_dict() if self.before else None,
            "after": self.after.as_dict() if self.after else None,
        }


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    old: int
    new: int

    @property
    def delta(self) -> int:
        return self.new - self.old


@dataclass(frozen=True)
class LeafDiff:
    leaf_id: str
    status: LeafStatus
    old_leaf_id: str | None  # for renamed leaves: where the data was
    kind: str | None
    samples: tuple[SampleChange, ...]
    unchanged_samples: int
    kept_old: int
    kept_new: int
    rejected: tuple[ReasonCount, ...]
    model_old: str | None
    model_new: str | None
    templates_changed: tuple[str, ...]
    inputs_changed: bool
    usage_old: Usage | None
    usage_new: Usage | None

    def count(self, status: SampleStatus) -> int:
        return sum(1 for s in self.samples if s.status == status)

    @property
    def rejected_old(self) -> int:
        return sum(r.old for r in self.rejected)

    @property
    def rejected_new(self) -> int:
        return sum(r.new for r in self.rejected)

    @property
    def model_changed(self) -> bool:
        return self.model_old != self.model_new and self.status in {"changed", "renamed"}

    def as_dict(self) -> dict[str, Any]:
        return {
            "leaf_id": self.leaf_id,
            "status": self.status,
            "old_leaf_id": self.old_leaf_id,
            "kind": self.kind,
            "counts": {
                "added": self.count("added"),
                "removed": self.count("removed"),
                "changed": self.count("changed"),
                "unchanged": self.unchanged_samples,
            },
            "kept": {"old": self.kept_old, "new": self.kept_new},
            "rejected": {"old": self.rejected_old, "new": self.rejected_new},
            "rejected_by_reason": [
                {"reason": r.reason, "old": r.old, "new": r.new, "delta": r.delta}
                for r in self.rejected
            ],
            "teacher_model": {"old": self.model_old, "new": self.model_new},
            "templates_changed": list(self.templates_changed),
            "inputs_changed": self.inputs_changed,
            "usage": {
                "old": self.usage_old.as_dict() if self.usage_old else None,
                "new": self.usage_new.as_dict() if self.usage_new else None,
            },
            "samples": [s.as_dict() for s in self.samples],
        }


@dataclass(frozen=True)
class Summary:
    leaves_old: int
    leaves_new: int
    by_status: tuple[tuple[str, int], ...]
    samples_added: int
    samples_removed: int
    samples_changed: int
    kept_old: int
    kept_new: int
    rejected_old: int
    rejected_new: int
    usage: Usage  # of the runs behind the touched leaves' new data
    cost_known: bool

    @property
    def touched(self) -> int:
        return sum(n for status, n in self.by_status if status != "unchanged")

    @property
    def rejection_rate_old(self) -> float | None:
        return rate(self.rejected_old, self.kept_old)

    @property
    def rejection_rate_new(self) -> float | None:
        return rate(self.rejected_new, self.kept_new)

    def as_dict(self) -> dict[str, Any]:
        return {
            "leaves": {"old": self.leaves_old, "new": self.leaves_new, "touched": self.touched},
            "by_status": dict(self.by_status),
            "samples": {
                "added": self.samples_added,
                "removed": self.samples_removed,
                "changed": self.samples_changed,
            },
            "kept": {"old": self.kept_old, "new": self.kept_new},
            "rejected": {"old": self.rejected_old, "new": self.rejected_new},
            "rejection_rate": {"old": self.rejection_rate_old, "new": self.rejection_rate_new},
            "usage": self.usage.as_dict(),
            "cost_known": self.cost_known,
        }


@dataclass(frozen=True)
class DataDiff:
    base: str  # what the old side is: a commit sha or a directory
    head: str
    leaves: tuple[LeafDiff, ...]
    summary: Summary

    @property
    def touched(self) -> tuple[LeafDiff, ...]:
        return tuple(leaf for leaf in self.leaves if leaf.status != "unchanged")

    def as_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "summary": self.summary.as_dict(),
            "leaves": [leaf.as_dict() for leaf in self.leaves],
        }


def rate(rejected: int, kept: int) -> float | None:
    total = rejected + kept
    return rejected / total if total else None


# ---------------------------------------------------------------------------------------------
# Parsing the on-disk format


def parse_leaf(leaf_id: str, files: Mapping[str, bytes], where: str) -> LeafData:
    """Build a `LeafData` from the raw bytes of a leaf directory's files; `where` names the dir."""
    manifest_raw = files.get(MANIFEST)
    manifest = (
        parse_manifest(manifest_raw, f"{where}/{MANIFEST}") if manifest_raw is not None else None
    )
    samples = parse_jsonl(files.get(SAMPLES, b""), f"{where}/{SAMPLES}", rejected=False)
    rejected = parse_jsonl(files.get(REJECTED, b""), f"{where}/{REJECTED}", rejected=True)
    return LeafData(leaf_id, manifest, samples, rejected)


def _decode(raw: bytes, path: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise LabtaxError(
            "not valid UTF-8",
            hint="regenerate this leaf with `labtax generate`",
            location=Location(path, line),
        ) from exc


def parse_jsonl(raw: bytes, path: str, *, rejected: bool) -> tuple[StoredSample, ...]:
    text = _decode(raw, path)
    found: list[StoredSample] = []
    seen: set[str] = set()
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _malformed(path, number, f"not valid JSON: {exc.msg}", exc.colno) from exc
        except RecursionError as exc:
            raise _malformed(path, number, "JSON nests too deeply") from exc
        sample = _sample(record, path, number, rejected=rejected)
        # A kept sample is its content, so a repeated id adds nothing; one candidate may be
        # rejected more than once (at different stages), and each rejection counts.
        if rejected or sample.id not in seen:
            found.append(sample)
            seen.add(sample.id)
    return tuple(sorted(found, key=_order))


def _order(sample: StoredSample) -> tuple[str, str, str, str]:
    return (sample.id, sample.stage or "", sample.reason or "", sample.detail or "")


def _sample(record: object, path: str, line: int, *, rejected: bool) -> StoredSample:
    if not isinstance(record, dict):
        raise _malformed(path, line, "a sample must be a JSON object")
    sample_id = _field(record, "id", str, path, line)
    leaf = _field(record, "leaf", str, path, line)
    kind = _field(record, "kind", str, path, line)
    context = _optional(record, "context", str, path, line)
    score = _optional(record, "score", int, path, line)
    question, answer = _messages(record.get("messages"), path, line, rejected=rejected)
    if not rejected:
        return StoredSample(sample_id, leaf, kind, context, question, answer, score)
    return StoredSample(
        sample_id,
        leaf,
        kind,
        context,
        question,
        answer,
        score,
        stage=_optional(record, "stage", str, path, line),
        reason=_field(record, "reason", str, path, line),
        detail=_text_or_none(record.get("detail")),
    )


def _messages(value: object, path: str, line: int, *, rejected: bool) -> tuple[str, str]:
    if not isinstance(value, list) or not value:
        raise _malformed(path, line, '"messages" must be a non-empty list')
    question: str | None = None
    answer: str | None = None
    for message in value:
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            raise _malformed(path, line, 'each message needs "role" and a text "content"')
        role = message.get("role")
        if role == "user" and question is None:
            question = message["content"]
        elif role == "assistant" and answer is None:
            answer = message["content"]
    if question is None:
        raise _malformed(path, line, 'no "user" message (the question)')
    if answer is None and not rejected:
        raise _malformed(path, line, 'no "assistant" message (the answer)')
    return question, answer or ""


def _field(record: dict[str, Any], key: str, kind: type, path: str, line: int) -> Any:
    value = record.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _malformed(path, line, f'"{key}" must be a {kind.__name__}')
    return value


def _optional(record: dict[str, Any], key: str, kind: type, path: str, line: int) -> Any:
    if record.get(key) is None:
        return None
    return _field(record, key, kind, path, line)


def _text_or_none(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _malformed(path: str, line: int, message: str, col: int = 0) -> LabtaxError:
    return LabtaxError(
        message,
        hint="the generated data is damaged: regenerate the leaf with `labtax generate`",
        location=Location(path, line, col),
    )


def parse_manifest(raw: bytes, path: str) -> ManifestInfo:
    text = _decode(raw, path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _malformed(path, exc.lineno, f"not valid JSON: {exc.msg}", exc.colno) from exc
    except RecursionError as exc:
        raise _malformed(path, 1, "JSON nests too deeply") from exc
    if not isinstance(data, dict):
        raise _malformed(path, 1, "the manifest must be a JSON object")
    teacher = _table(data, "teacher", path, text)
    model = teacher.get("model")
    inputs_hash = data.get("inputs_hash")
    templates = _table(data, "templates", path, text)
    usage = _table(data, "usage", path, text)
    return ManifestInfo(
        model=model if isinstance(model, str) else None,
        kind=data["kind"] if isinstance(data.get("kind"), str) else None,
        inputs_hash=inputs_hash if isinstance(inputs_hash, str) else None,
        templates=tuple(sorted((str(k), str(v)) for k, v in templates.items())),
        usage=Usage(
            calls=_count(usage, "calls", path, text),
            prompt_tokens=_count(usage, "prompt_tokens", path, text),
            completion_tokens=_count(usage, "completion_tokens", path, text),
            cost_usd=_cost(usage.get("cost_usd"), path, text),
        ),
        raw=json.dumps(data, sort_keys=True, ensure_ascii=False),
    )


def _table(data: dict[str, Any], key: str, path: str, text: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise _malformed(path, _line_of(key, text), f'"{key}" must be a JSON object')
    return value


def _count(table: dict[str, Any], key: str, path: str, text: str) -> int:
    value = table.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _malformed(path, _line_of(key, text), f'"usage.{key}" must be a non-negative integer')
    return int(value)


def _cost(value: object, path: str, text: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise _malformed(
            path,
            _line_of("cost_usd", text),
            '"usage.cost_usd" must be a non-negative number or null',
        )
    return float(value)


def _line_of(key: str, text: str) -> int:
    # The manifest is written with indent 2, one key per line: the key's line makes errors precise.
    needle = f'"{key}":'
    return next((n for n, line in enumerate(text.splitlines(), start=1) if needle in line), 1)


# ---------------------------------------------------------------------------------------------
# Loading a state: a directory, the working tree, a git commit


def load_directory(directory: Path, *, label: str | None = None) -> dict[str, LeafData]:
    """Every leaf dataset under `directory` (a `generated/` tree); symlinks are never followed."""
    if not directory.exists():
        return {}
    if not directory.is_dir():
        raise LabtaxError(
            "not a directory", hint="pass a generated/ directory", location=Location(str(directory))
        )
    shown = label or directory.as_posix()
    grouped: dict[str, dict[str, Path]] = defaultdict(dict)
    for path in _walk(directory):
        rel = path.relative_to(directory).as_posix()
        leaf_id = PurePosixPath(rel).parent.as_posix()
        if leaf_id != ".":
            grouped[leaf_id][path.name] = path
    result: dict[str, LeafData] = {}
    for leaf_id in sorted(grouped):
        files = {name: _read(path) for name, path in grouped[leaf_id].items()}
        result[leaf_id] = parse_leaf(leaf_id, files, f"{shown}/{leaf_id}")
    return result


def _walk(top: Path) -> Iterable[Path]:
    for entry in sorted(top.iterdir()):
        info = entry.lstat()
        if stat.S_ISDIR(info.st_mode):
            if not entry.name.startswith("."):
                yield from _walk(entry)
        elif stat.S_ISREG(info.st_mode) and entry.name in DATA_FILES:
            yield entry


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise LabtaxError(
            f"cannot read: {exc.strerror or exc}", location=Location(str(path))
        ) from exc


def load_worktree(config: Config) -> dict[str, LeafData]:
    return load_directory(config.generated, label=config.rel(config.generated))


def load_commit(config: Config, rev: str) -> dict[str, LeafData]:
    """The `generated/` tree as committed at `rev` (regular files only, never symlinks)."""
    top = gitio.toplevel(config.root)
    prefix = _generated_prefix(config, top)
    grouped: dict[str, dict[str, str]] = defaultdict(dict)
    for entry in gitio.ls_tree(rev, prefix, cwd=top):
        if entry.kind != "blob" or entry.mode not in {"100644", "100755"}:
            continue
        rel = PurePosixPath(entry.path).relative_to(prefix)
        leaf_id = rel.parent.as_posix()
        if rel.name in DATA_FILES and leaf_id != "." and not _hidden(rel):
            grouped[leaf_id][rel.name] = entry.path
    blobs = gitio.read_blobs(
        rev, [p for names in grouped.values() for p in names.values()], cwd=top
    )
    result: dict[str, LeafData] = {}
    for leaf_id in sorted(grouped):
        files = {name: blobs[p] for name, p in grouped[leaf_id].items() if p in blobs}
        result[leaf_id] = parse_leaf(leaf_id, files, f"{rev[:12]}:{prefix}/{leaf_id}")
    return result


def _hidden(rel: PurePosixPath) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def _generated_prefix(config: Config, top: Path) -> str:
    try:
        return config.generated.resolve().relative_to(top.resolve()).as_posix()
    except ValueError as exc:
        raise LabtaxError(
            f"the generated directory {config.generated} is outside the git repository {top}",
            hint="set [tool.labtax] generated to a directory inside the repository",
        ) from exc


def resolve_base(config: Config, base: str | None, head: str = "HEAD") -> str:
    """The merge-base of `base` (default: the upstream default branch, else main) and `head`."""
    top = gitio.toplevel(config.root)
    ref = base or gitio.default_base(cwd=top)
    try:
        return gitio.merge_base(ref, head, cwd=top)
    except LabtaxError:
        if not gitio.is_shallow(cwd=top):
            raise
    # A shallow CI checkout may not reach the fork point yet; fetch more history once.
    gitio.deepen(cwd=top)
    return gitio.merge_base(ref, head, cwd=top)


# ---------------------------------------------------------------------------------------------
# Comparing


def diff_datasets(
    old: DatasetState, new: DatasetState, *, base: str = "base", head: str = "head"
) -> DataDiff:
    """Compare two dataset states; every leaf of either side appears once in the result."""
    only_old = sorted(set(old) - set(new))
    only_new = sorted(set(new) - set(old))
    renames = _match_renames([old[k] for k in only_old], [new[k] for k in only_new])
    leaves: list[LeafDiff] = []
    for leaf_id in sorted(set(old) & set(new)):
        leaves.append(_compare(old[leaf_id], new[leaf_id], renamed=False))
    for new_id, old_id in renames.items():
        leaves.append(_compare(old[old_id], new[new_id], renamed=True))
    moved = set(renames.values())
    leaves.extend(_compare(None, new[k], renamed=False) for k in only_new if k not in renames)
    leaves.extend(_compare(old[k], None, renamed=False) for k in only_old if k not in moved)
    leaves.sort(key=lambda leaf: leaf.leaf_id)
    return DataDiff(base, head, tuple(leaves), _summarise(leaves, len(old), len(new)))


def _match_renames(removed: list[LeafData], added: list[LeafData]) -> dict[str, str]:
    """new leaf id -> old leaf id, pairing greedily by the share of identical samples."""
    candidates: list[tuple[float, str, str]] = []
    for before in removed:
        old_keys = {s.content for s in before.samples}
        if not old_keys:
            continue
        for after in added:
            new_keys = {s.content for s in after.samples}
            if not new_keys:
                continue
            share = len(old_keys & new_keys) / max(len(old_keys), len(new_keys))
            if share >= RENAME_SIMILARITY:
                candidates.append((-share, after.leaf_id, before.leaf_id))
    pairs: dict[str, str] = {}
    used: set[str] = set()
    for _, new_id, old_id in sorted(candidates):
        if new_id not in pairs and old_id not in used:
            pairs[new_id] = old_id
            used.add(old_id)
    return dict(sorted(pairs.items()))


def _compare(before: LeafData | None, after: LeafData | None, *, renamed: bool) -> LeafDiff:
    old_samples = before.samples if before else ()
    new_samples = after.samples if after else ()
    changes, unchanged = _sample_changes(old_samples, new_samples)
    old_reasons = before.rejected_by_reason() if before else {}
    new_reasons = after.rejected_by_reason() if after else {}
    reasons = tuple(
        ReasonCount(r, old_reasons.get(r, 0), new_reasons.get(r, 0))
        for r in sorted(set(old_reasons) | set(new_reasons))
    )
    old_manifest = before.manifest if before else None
    new_manifest = after.manifest if after else None
    status = _status(before, after, changes, renamed=renamed)
    sample = (new_samples or old_samples or (None,))[0]
    manifest = new_manifest or old_manifest
    return LeafDiff(
        leaf_id=after.leaf_id if after else before.leaf_id if before else "",
        status=status,
        old_leaf_id=before.leaf_id if renamed and before else None,
        kind=sample.kind if sample else manifest.kind if manifest else None,
        samples=changes,
        unchanged_samples=unchanged,
        kept_old=len(old_samples),
        kept_new=len(new_samples),
        rejected=reasons,
        model_old=old_manifest.model if old_manifest else None,
        model_new=new_manifest.model if new_manifest else None,
        templates_changed=_templates_changed(old_manifest, new_manifest),
        inputs_changed=bool(
            old_manifest and new_manifest and old_manifest.inputs_hash != new_manifest.inputs_hash
        ),
        usage_old=old_manifest.usage if old_manifest else None,
        usage_new=new_manifest.usage if new_manifest else None,
    )


def _status(
    before: LeafData | None,
    after: LeafData | None,
    changes: tuple[SampleChange, ...],
    *,
    renamed: bool,
) -> LeafStatus:
    if before is None:
        return "new"
    if after is None:
        return "removed"
    if renamed:
        return "renamed"
    same = (
        not changes
        and [(r.content, r.stage, r.reason) for r in before.rejected]
        == [(r.content, r.stage, r.reason) for r in after.rejected]
        and _manifest_key(before.manifest) == _manifest_key(after.manifest)
    )
    return "unchanged" if same else "changed"


def _manifest_key(manifest: ManifestInfo | None) -> str | None:
    return manifest.raw if manifest else None


def _templates_changed(old: ManifestInfo | None, new: ManifestInfo | None) -> tuple[str, ...]:
    if old is None or new is None:
        return ()
    before, after = dict(old.templates), dict(new.templates)
    return tuple(sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)))


def _sample_changes(
    old: tuple[StoredSample, ...], new: tuple[StoredSample, ...]
) -> tuple[tuple[SampleChange, ...], int]:
    """Added, removed and changed samples (a removed and an added one sharing their question)."""
    old_by_content = {s.content: s for s in old}
    new_by_content = {s.content: s for s in new}
    removed = [s for c, s in old_by_content.items() if c not in new_by_content]
    added = [s for c, s in new_by_content.items() if c not in old_by_content]
    unchanged = len(old_by_content.keys() & new_by_content.keys())
    added_by_question: dict[tuple[str | None, str], list[StoredSample]] = defaultdict(list)
    for sample in sorted(added, key=lambda s: s.id):
        added_by_question[(sample.context, sample.question)].append(sample)
    changes: list[SampleChange] = []
    for sample in sorted(removed, key=lambda s: s.id):
        partners = added_by_question.get((sample.context, sample.question))
        if partners:
            changes.append(SampleChange("changed", sample, partners.pop(0)))
        else:
            changes.append(SampleChange("removed", sample, None))
    changes.extend(
        SampleChange("added", None, s) for group in added_by_question.values() for s in group
    )
    order = {"changed": 0, "added": 1, "removed": 2}
    changes.sort(key=lambda c: (order[c.status], c.id))
    return tuple(changes), unchanged


def _summarise(leaves: list[LeafDiff], old_count: int, new_count: int) -> Summary:
    statuses = Counter(leaf.status for leaf in leaves)
    runs = [leaf.usage_new for leaf in leaves if leaf.status != "unchanged" and leaf.usage_new]
    costs = [u.cost_usd for u in runs]
    known_costs = [c for c in costs if c is not None]
    known = len(known_costs) == len(costs)
    usage = Usage(
        calls=sum(u.calls for u in runs),
        prompt_tokens=sum(u.prompt_tokens for u in runs),
        completion_tokens=sum(u.completion_tokens for u in runs),
        # Nothing known about any run is "unknown"; no runs at all cost nothing.
        cost_usd=round(sum(known_costs), 6) if known_costs or not costs else None,
    )
    return Summary(
        leaves_old=old_count,
        leaves_new=new_count,
        by_status=tuple((s, statuses.get(s, 0)) for s in STATUS_ORDER),
        samples_added=sum(leaf.count("added") for leaf in leaves),
        samples_removed=sum(leaf.count("removed") for leaf in leaves),
        samples_changed=sum(leaf.count("changed") for leaf in leaves),
        kept_old=sum(leaf.kept_old for leaf in leaves),
        kept_new=sum(leaf.kept_new for leaf in leaves),
        rejected_old=sum(leaf.rejected_old for leaf in leaves),
        rejected_new=sum(leaf.rejected_new for leaf in leaves),
        usage=usage,
        cost_known=known,
    )

"""Taking a pull request's leaves into a privileged job without trusting anything else in it.

The teacher job holds an API key and runs the default branch's code. From the pull request it takes
only data: the blobs of changed files under the taxonomy, read from git objects at an exact commit,
each a regular file with a sane path and a bounded size. Anything else in the pull request (a
workflow, a `pyproject.toml`, a symlink, a submodule) is a refusal, never a skip, so a maintainer
sees why no data was generated.

The other half is binding the run to the pull request: the request artifact comes from a workflow
the pull request itself may have rewritten, so its number and sha are only accepted when GitHub's
own record of the triggering run and of the pull request agree with them.
"""

from __future__ import annotations

import json
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from labtax import gitio
from labtax.config import BRANCHES
from labtax.errors import LabtaxError, Location
from labtax.leaves import LEAF_NAME

DEFAULT_MAX_LEAVES = 25
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_FILES = 500
MAX_REQUEST_BYTES = 4096
MAX_EVENT_BYTES = 25 * 1024 * 1024

REGULAR_MODES = frozenset({"100644", "100755"})
ALLOWED_SUFFIXES = frozenset({".yaml", ".yml", ".md", ".txt"})
_SUFFIXES_SHOWN = tuple(sorted(ALLOWED_SUFFIXES))
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
_SHA = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_MAX_PATH_CHARS = 400
_MODE_NAMES = {"120000": "a symlink", "160000": "a submodule", "040000": "a directory"}


# ---------------------------------------------------------------------------------------------
# Extraction


@dataclass(frozen=True)
class Limits:
    """Caps per run, so one pull request cannot make a job read, write or spend without bound."""

    max_leaves: int = DEFAULT_MAX_LEAVES
    max_bytes: int = DEFAULT_MAX_BYTES
    max_file_bytes: int = 1024 * 1024
    max_files: int = DEFAULT_MAX_FILES


@dataclass(frozen=True)
class Blob:
    path: str
    sha: str
    size: int


@dataclass(frozen=True)
class Extraction:
    """What a pull request changes under the taxonomy, checked: files to write and to remove."""

    base: str  # merge base of the base commit and the head
    head: str
    writes: tuple[Blob, ...]
    removes: tuple[str, ...]
    leaves: tuple[str, ...]  # changed qna.yaml paths present at the head

    @property
    def total_bytes(self) -> int:
        return sum(blob.size for blob in self.writes)


def taxonomy_prefix(root: Path, taxonomy: Path) -> str:
    """The taxonomy root relative to the repository root, POSIX, "" when it is the root itself."""
    try:
        rel = taxonomy.resolve().relative_to(root.resolve()).as_posix()
    except ValueError as exc:
        raise LabtaxError(
            f"the taxonomy {taxonomy} is outside the repository {root}",
            hint="set [tool.labtax] taxonomy to a directory inside the repository",
        ) from exc
    return "" if rel == "." else rel


def check_path(path: str, prefix: str) -> None:
    """Refuse a changed path that is outside the taxonomy or not a plain, expected file name."""
    where = Location(path)
    if not path or len(path) > _MAX_PATH_CHARS or any(ord(c) < 32 or c == "\x7f" for c in path):
        raise LabtaxError(
            "path is empty, too long or holds control characters",
            hint="rename the file",
            location=where,
        )
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or any(p in {"", ".", ".."} for p in parts):
        raise LabtaxError(
            "path is absolute or escapes its directory (empty, '.', '..' or '\\' segments)",
            hint="pull requests may only add or change files under the taxonomy",
            location=where,
        )
    inside = _under_taxonomy(parts, prefix)
    if inside is None:
        shown = f"{prefix}/" if prefix else ", ".join(f"{b}/" for b in BRANCHES)
        raise LabtaxError(
            f"pull request changes a file outside {shown}",
            hint="the teacher job only takes taxonomy changes; move other changes to their own "
            "pull request (a maintainer runs those through the normal review)",
            location=where,
        )
    if any(p.lower() == ".git" for p in parts) or not all(_SEGMENT.match(p) for p in inside):
        raise LabtaxError(
            "path segment does not match [A-Za-z0-9_][A-Za-z0-9_.-]* (no hidden files)",
            hint="rename the directory or file; leaf directories use [a-z0-9_]+",
            location=where,
        )
    if PurePosixPath(path).suffix.lower() not in ALLOWED_SUFFIXES:
        raise LabtaxError(
            f"file type not taken from pull requests (allowed: {', '.join(_SUFFIXES_SHOWN)})",
            hint="taxonomy changes are qna.yaml leaves, attribution.txt and markdown documents",
            location=where,
        )


def _under_taxonomy(parts: list[str], prefix: str) -> list[str] | None:
    """The segments below the taxonomy root, or None when the path is not under it."""
    if prefix:
        head = prefix.split("/")
        if parts[: len(head)] != head or len(parts) <= len(head):
            return None
        return parts[len(head) :]
    # A repository whose root is the taxonomy: only the three branches hold taxonomy files.
    if parts[0] not in BRANCHES or len(parts) < 2:
        return None
    return parts


def plan(base: str, head: str, *, cwd: Path, prefix: str, limits: Limits = Limits()) -> Extraction:
    """Check every path the pull request changes since `merge-base(base, head)`; nothing is read."""
    head_sha = gitio.resolve(head, cwd=cwd)
    base_sha = gitio.merge_base(gitio.resolve(base, cwd=cwd), head_sha, cwd=cwd)
    entries = gitio.changed_paths(base_sha, head_sha, cwd=cwd)
    touched = sorted({p for e in entries for p in (e.path, e.old_path) if p is not None})
    if len(touched) > limits.max_files:
        raise LabtaxError(
            f"pull request changes {len(touched)} files, over the cap of {limits.max_files}",
            hint="split the pull request, or raise --max-files",
        )
    for path in touched:
        check_path(path, prefix)
    at_head = {e.path: e for e in gitio.ls_tree(head_sha, prefix, cwd=cwd)} if touched else {}
    writes: list[Blob] = []
    removes: list[str] = []
    for path in touched:
        entry = at_head.get(path)
        if entry is None:
            removes.append(path)
            continue
        if entry.mode not in REGULAR_MODES or entry.kind != "blob":
            kind = _MODE_NAMES.get(entry.mode, f"mode {entry.mode}")
            raise LabtaxError(
                f"pull request adds {kind}; only regular files are taken",
                hint="replace it with a regular file",
                location=Location(path),
            )
        size = entry.size if entry.size is not None else limits.max_file_bytes + 1
        if size > limits.max_file_bytes:
            raise LabtaxError(
                f"file is {size} bytes, over the cap of {limits.max_file_bytes} bytes",
                hint="split the leaf or its document",
                location=Location(path),
            )
        writes.append(Blob(path, entry.sha, size))
    leaves = tuple(b.path for b in writes if PurePosixPath(b.path).name == LEAF_NAME)
    extraction = Extraction(base_sha, head_sha, tuple(writes), tuple(removes), leaves)
    _check_totals(extraction, limits)
    return extraction


def _check_totals(extraction: Extraction, limits: Limits) -> None:
    if len(extraction.leaves) > limits.max_leaves:
        raise LabtaxError(
            f"pull request changes {len(extraction.leaves)} leaves, over the cap of "
            f"{limits.max_leaves} per run",
            hint="split the pull request, or ask a maintainer to run generation locally",
        )
    if extraction.total_bytes > limits.max_bytes:
        raise LabtaxError(
            f"pull request changes {extraction.total_bytes} bytes of taxonomy files, over the cap "
            f"of {limits.max_bytes} bytes per run",
            hint="split the pull request",
        )


def apply(extraction: Extraction, out: Path, *, cwd: Path) -> None:
    """Write the planned blobs under `out` (regular files only) and remove the deleted ones."""
    out = out.absolute()
    contents = gitio.read_blobs(extraction.head, [b.path for b in extraction.writes], cwd=cwd)
    for blob in extraction.writes:
        data = contents.get(blob.path)
        if data is None or len(data) != blob.size:
            raise LabtaxError(
                f"cannot read the blob at {extraction.head[:12]}",
                hint="fetch the pull request head commit first",
                location=Location(blob.path),
            )
    # Removals first: a file the pull request turns into a directory (or back) must be gone
    # before the new path is written.
    for path in extraction.removes:
        _remove(out, path)
    for blob in extraction.writes:
        try:
            _write(out, blob.path, contents[blob.path])
        except OSError as exc:
            raise LabtaxError(
                f"cannot write: {exc.strerror or exc}",
                hint="extract into a clean checkout of the default branch",
                location=Location(blob.path),
            ) from exc


def _target(out: Path, path: str) -> Path:
    """`out / path`, refusing when any directory on the way is a symlink or not a directory."""
    current = out
    for part in path.split("/")[:-1]:
        current = current / part
        try:
            info = current.lstat()
        except FileNotFoundError:
            continue
        if not stat.S_ISDIR(info.st_mode):
            raise LabtaxError(
                f"{current} is not a plain directory (a symlink or a file)",
                hint="extract into a clean checkout",
                location=Location(path),
            )
    return out / path


def _write(out: Path, path: str, data: bytes) -> None:
    target = _target(out, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _target(out, path)  # mkdir may have raced with something creating a link; check again
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".labtax-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).chmod(0o644)  # never keep an executable bit from the pull request
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _remove(out: Path, path: str) -> None:
    target = _target(out, path)
    try:
        info = target.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISREG(info.st_mode):
        raise LabtaxError(
            "the pull request deletes this path, but here it is not a regular file",
            hint="extract into a clean checkout",
            location=Location(path),
        )
    target.unlink()
    parent = target.parent
    while parent != out and parent.is_relative_to(out) and not any(parent.iterdir()):
        parent.rmdir()  # an emptied leaf directory would block a file of the same name
        parent = parent.parent


# ---------------------------------------------------------------------------------------------
# Binding a run to its pull request


@dataclass(frozen=True)
class Request:
    """What the unprivileged stage asks for: a pull request number and the head sha it saw."""

    number: int
    head_sha: str

    def to_json(self) -> str:
        return json.dumps({"head_sha": self.head_sha, "number": self.number}, sort_keys=True) + "\n"


@dataclass(frozen=True)
class RunEvent:
    """GitHub's record of the triggering run, from the `workflow_run` event payload."""

    head_sha: str
    event: str
    conclusion: str
    head_repository: str
    repository: str


def valid_number(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**9:
        raise LabtaxError(
            f"pull request number is not a positive integer: {value!r:.80}",
            location=Location(where),
        )
    return value


def valid_sha(value: object, where: str) -> str:
    if not isinstance(value, str) or not _SHA.match(value):
        raise LabtaxError(
            f"not a full lowercase commit sha: {value!r:.80}", location=Location(where)
        )
    return value


def read_json(path: Path, limit: int) -> Any:
    """A JSON file no bigger than `limit` bytes, or a located error."""
    where = Location(str(path))
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise LabtaxError(f"cannot read: {exc.strerror or exc}", location=where) from exc
    if len(raw) > limit:
        raise LabtaxError(f"file is over {limit} bytes", location=where)
    try:
        return json.loads(raw)
    except ValueError as exc:
        line = getattr(exc, "lineno", 0)
        col = getattr(exc, "colno", 0)
        raise LabtaxError("not valid JSON", location=Location(str(path), line, col)) from exc


def parse_request(data: object, where: str) -> Request:
    """A request artifact: exactly `{"number": int, "head_sha": sha}` and nothing else."""
    if not isinstance(data, dict) or set(data) != {"number", "head_sha"}:
        raise LabtaxError(
            'request must be a JSON object with exactly the keys "number" and "head_sha"',
            location=Location(where),
        )
    return Request(valid_number(data["number"], where), valid_sha(data["head_sha"], where))


def request_from_pull_request_event(event: object, where: str) -> Request:
    """The request stage 1 uploads, from a `pull_request` event payload: number and head only."""
    pull = _get(event, "pull_request")
    return Request(
        valid_number(_get(event, "number", pull.get("number")), where),
        valid_sha(_get(pull, "head").get("sha"), where),
    )


def run_event(event: object, where: str) -> RunEvent:
    """The fields of a `workflow_run` event payload that the check relies on."""
    run = _get(event, "workflow_run")
    return RunEvent(
        head_sha=valid_sha(run.get("head_sha"), where),
        event=str(run.get("event", "")),
        conclusion=str(run.get("conclusion", "")),
        head_repository=str(_get(run, "head_repository").get("full_name", "")),
        repository=str(_get(event, "repository").get("full_name", "")),
    )


def _get(data: object, key: str, default: object = None) -> Any:
    value = data.get(key, default) if isinstance(data, Mapping) else default
    if value is None:
        raise LabtaxError(f"event payload has no {key!r}", hint="is this the right event?")
    return value


def check_request(request: Request, run: RunEvent, repository: str) -> None:
    """The checks that need no API call: the run is a successful PR run and built this sha."""
    if run.event != "pull_request" or run.conclusion != "success":
        raise LabtaxError(
            f"the triggering run was a {run.event!r} run that ended {run.conclusion!r}",
            hint="generation runs only after a successful pull_request run",
        )
    if run.repository != repository:
        raise LabtaxError(f"event is for {run.repository!r}, this job runs in {repository!r}")
    if request.head_sha != run.head_sha:
        raise LabtaxError(
            f"the request names {request.head_sha[:12]} but the run built {run.head_sha[:12]}",
            hint="the request artifact does not belong to this run; nothing was generated",
        )


def check_head(
    request: Request, run: RunEvent, pull: Mapping[str, Any], repository: str
) -> Request:
    """Accept the request only if the run, the artifact and the pull request agree right now."""
    check_request(request, run, repository)
    label = f"pull request #{request.number}"
    if pull.get("number") != request.number:
        raise LabtaxError(f"GitHub returned a different pull request for {label}")
    base_repo = _repo_name(pull.get("base"))
    head_repo = _repo_name(pull.get("head"))
    if base_repo != repository:
        raise LabtaxError(f"{label} targets {base_repo!r}, not {repository!r}")
    if pull.get("state") != "open":
        raise LabtaxError(f"{label} is {pull.get('state')!r}, not open; nothing to generate")
    if head_repo != run.head_repository:
        raise LabtaxError(
            f"{label} comes from {head_repo!r}, the run from {run.head_repository!r}",
            hint="the request artifact does not belong to this run; nothing was generated",
        )
    head = pull.get("head")
    current = head.get("sha") if isinstance(head, Mapping) else None
    if current != run.head_sha:
        raise LabtaxError(
            f"{label} has moved on to {str(current)[:12]} since this run built {run.head_sha[:12]}",
            hint="the run for the newer commit generates its data; nothing was generated here",
        )
    return request


def _repo_name(side: object) -> str | None:
    repo = side.get("repo") if isinstance(side, Mapping) else None
    name = repo.get("full_name") if isinstance(repo, Mapping) else None
    return name if isinstance(name, str) else None


def step_outputs(request: Request) -> str:
    """`$GITHUB_OUTPUT` lines; both values are validated, so no delimiter can be smuggled in."""
    valid_number(request.number, "output")
    valid_sha(request.head_sha, "output")
    return f"number={request.number}\nhead_sha={request.head_sha}\n"

"""A pull request's changed taxonomy files, checked and copied from git blobs, and nothing else.

The teacher job holds an API key and runs the default branch's code. From the pull request it takes
only data: the blobs of changed files under the taxonomy, read from git objects at an exact commit,
each a regular file with a sane path and a bounded size. Anything else in the pull request (a
workflow, a `pyproject.toml`, a symlink, a submodule) is a refusal, never a skip, so a maintainer
sees why no data was generated. Every path is checked before anything is read or written.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from labtax import gitio
from labtax.ci.binding import valid_sha
from labtax.config import BRANCHES, Config
from labtax.errors import LabtaxError, Location
from labtax.leaves import LEAF_NAME
from labtax.util import write_atomic

DEFAULT_MAX_LEAVES = 25
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_FILES = 500

ALLOWED_SUFFIXES = frozenset({".yaml", ".yml", ".md", ".txt"})
_SUFFIXES_SHOWN = tuple(sorted(ALLOWED_SUFFIXES))
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
_MAX_PATH_CHARS = 400
_MODE_NAMES = {"120000": "a symlink", "160000": "a submodule", "040000": "a directory"}


@dataclass(frozen=True)
class ExtractionLimits:
    """Caps per run, so one pull request cannot make a job read, write or spend without bound."""

    max_leaves: int = DEFAULT_MAX_LEAVES
    max_bytes: int = DEFAULT_MAX_BYTES
    max_file_bytes: int = 1024 * 1024
    max_files: int = DEFAULT_MAX_FILES


@dataclass(frozen=True)
class ChangedBlob:
    """A file the pull request adds or changes, as it is at the head commit."""

    path: str
    sha: str
    size: int


@dataclass(frozen=True)
class Extraction:
    """What a pull request changes under the taxonomy, checked: files to write and to remove."""

    base: str  # merge base of the base commit and the head
    head: str
    writes: tuple[ChangedBlob, ...]
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


def plan(
    base: str, head: str, *, cwd: Path, prefix: str, limits: ExtractionLimits = ExtractionLimits()
) -> Extraction:
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
    writes: list[ChangedBlob] = []
    removes: list[str] = []
    for path in touched:
        entry = at_head.get(path)
        if entry is None:
            removes.append(path)
            continue
        if not entry.is_regular_file:
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
        writes.append(ChangedBlob(path, entry.sha, size))
    leaves = tuple(b.path for b in writes if PurePosixPath(b.path).name == LEAF_NAME)
    extraction = Extraction(base_sha, head_sha, tuple(writes), tuple(removes), leaves)
    _check_totals(extraction, limits)
    return extraction


def _check_totals(extraction: Extraction, limits: ExtractionLimits) -> None:
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
    write_atomic(target, data, mode=0o644)  # never keep an executable bit from the pull request


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


def extract(
    config: Config, base: str, head_sha: str, out: Path, limits: ExtractionLimits
) -> Extraction:
    """`labtax pr extract`: check the pull request's changes to the taxonomy, then copy them.

    `base` is any ref (the default branch); `head_sha` must be a full sha, so the job extracts
    exactly the commit it checked. Nothing is written unless every check passes.
    """
    root = gitio.toplevel(config.root)
    base_sha = gitio.resolve(base, cwd=root)
    head = valid_sha(head_sha, "--head-sha")
    prefix = taxonomy_prefix(root, config.taxonomy)
    extraction = plan(base_sha, head, cwd=root, prefix=prefix, limits=limits)
    if not out.is_dir():
        raise LabtaxError("output directory does not exist", location=Location(str(out)))
    apply(extraction, out, cwd=root)
    return extraction

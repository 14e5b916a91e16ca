"""What the teacher sees of a leaf, where a knowledge leaf's document lives, and a hash of both.

`leaf_inputs(leaf)` is the leaf's parsed data without `version` and `created_by` (comments,
formatting and key order are already gone after parsing), together with its kind. Two versions of
a leaf with equal inputs produce the same prompts, so a change that keeps them equal is metadata.

Knowledge documents (`document: {repo, commit, patterns}`):

- `repo` is a git URL (`https://`, `ssh://`, `git://`, `file://`, or `user@host:path`) or a
  relative path to a directory inside this repository, such as `documents/water_cycle`
  (relative to the project root, no leading `/`, no `..`, no hidden segment such as `.git`).
  A local directory must lie, once symlinks are resolved, inside the documents folder
  (`[tool.labtax] documents`, default `documents/`) or the taxonomy (its three branches when the
  taxonomy is the repository root): a leaf cannot send `.env`, `.git/config` or any other file of
  the checkout to the teacher.
- For a URL, `commit` pins what is read and is part of the inputs: a full hex commit sha, never a
  branch or tag name that could move after review.
- For a local path, labtax reads the files in the working tree, never a commit: the documents are
  versioned together with the leaf by the repository itself. `commit` is still required by the
  leaf schema but may be any non-empty string; write `local` by convention. Editing a document
  file therefore changes the leaf's `inputs_hash` (and `labtax changed` reports the leaf with
  reason `document`) without touching the leaf.
- `patterns` are globs relative to the document directory: `*` and `?` match within one path
  segment and never a leading dot, `[...]` is a character class, and a `**` segment matches any
  number of directories. `*.md` selects the Markdown files at the top of the directory only;
  `**/*.md` selects them at any depth. A pattern may not name a hidden segment (`.env`,
  `.git/config`) or `..`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from labtax.config import BRANCHES, Config
from labtax.leaves import Leaf, LeafKind
from labtax.util import canonical_json, collapse_globstars

METADATA_KEYS = frozenset({"version", "created_by"})

_URL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)")
_CHUNK = 1 << 20


def leaf_inputs(leaf: Leaf) -> dict[str, Any]:
    """`{"kind": ..., "data": ...}`: the leaf data minus metadata keys, and the leaf's kind.

    The kind sits beside the data rather than inside it so a leaf's own keys can never shadow it.
    """
    data = {k: v for k, v in leaf.data.items() if k not in METADATA_KEYS}
    return {"kind": leaf.kind.value, "data": data}


@dataclass(frozen=True)
class DocumentRef:
    """Where a knowledge leaf's document comes from; `local_dir` is set for an in-repo path."""

    repo: str
    commit: str
    patterns: tuple[str, ...]
    local_dir: Path | None

    def selects(self, relpath: str) -> bool:
        """Whether a file at `relpath` (POSIX, relative to the document directory) is selected."""
        return any(glob_match(pattern, relpath) for pattern in self.patterns)


def document_ref(config: Config, leaf: Leaf) -> DocumentRef | None:
    """The document a knowledge leaf references, or None (a skill, or no usable `document`)."""
    if leaf.kind is not LeafKind.KNOWLEDGE:
        return None
    document = leaf.document
    if document is None:
        return None
    where = local_dir(config, document.repo)
    return DocumentRef(document.repo, document.commit, document.patterns, where)


def is_url(repo: str) -> bool:
    """Whether `repo` names a git URL (a scheme, or scp-like `user@host:path`), not a local path."""
    return _URL.match(repo.strip()) is not None


def hidden_segment(path: str) -> str | None:
    """The first segment of a relative path that is hidden (`.git`, `.env`) or `..`, if any."""
    for part in path.strip().split("/"):
        if part.startswith(".") and part != ".":
            return part
    return None


def document_roots(config: Config) -> tuple[Path, ...]:
    """Where local documents may live: the documents folder and the taxonomy, resolved.

    When the taxonomy is the repository root (InstructLab's layout) only its three branches
    count, or the whole checkout would.
    """
    root = config.root.resolve()
    taxonomy = config.taxonomy.resolve()
    tree = (taxonomy,) if taxonomy != root else tuple(taxonomy / b for b in BRANCHES)
    return (config.documents_dir.resolve(), *tree)


def local_problem(config: Config, repo: str) -> str | None:
    """Why the local path `repo` may not be read (completing `document.repo "..." `), or None."""
    repo = repo.strip()
    if "\\" in repo:
        return 'is not a relative path with "/" between folders'
    hidden = hidden_segment(repo)
    if repo.startswith("/") or hidden == "..":
        return "points outside the repository"
    if hidden is not None:
        return f'has a hidden path segment "{hidden}"'
    root = config.root.resolve()
    resolved = _resolve(root, repo)
    if not resolved.is_relative_to(root):
        return "points outside the repository"  # through a symlink
    if not any(resolved.is_relative_to(allowed) for allowed in document_roots(config)):
        return f"is outside the documents folder ({config.documents}/) and the taxonomy"
    return None


def pattern_problem(pattern: str) -> str | None:
    """Why a `document.patterns` entry may not be used (completing `pattern "..." `), or None."""
    if pattern.strip().startswith("/"):
        return "is an absolute path"
    hidden = hidden_segment(pattern)
    if hidden is not None:
        return f'names a hidden or ".." path segment "{hidden}"'
    return None


def local_dir(config: Config, repo: str) -> Path | None:
    """The resolved directory a local `repo` names when documents may be read from it, else None.

    None for URLs, and for paths `local_problem` refuses.
    """
    repo = repo.strip()
    if not repo or is_url(repo) or local_problem(config, repo) is not None:
        return None
    return _resolve(config.root.resolve(), repo)


def _resolve(root: Path, repo: str) -> Path:
    parts = [p for p in PurePosixPath(repo).parts if p != "."]
    return root.joinpath(*parts).resolve()


def glob_match(pattern: str, relpath: str) -> bool:
    """Match a POSIX relative path against a glob with `**` segments (see the module docstring)."""
    return _compile(pattern).fullmatch(relpath) is not None


_COMPILED: dict[str, re.Pattern[str]] = {}


def _compile(pattern: str) -> re.Pattern[str]:
    found = _COMPILED.get(pattern)
    if found is None:
        text = pattern.strip()
        while text.startswith("./"):
            text = text[2:]
        found = re.compile(_translate(collapse_globstars(text)))
        _COMPILED[pattern] = found
    return found


def _translate(pattern: str) -> str:
    segments = [s for s in pattern.split("/") if s and s != "."]
    out: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "**":
            # Zero or more whole directories (or, at the end, everything below), none hidden.
            out.append(r"(?:(?!\.)[^/]+(?:/(?!\.)[^/]+)*)?" if last else r"(?:(?!\.)[^/]+/)*")
            continue
        # Like a shell, a wildcard never matches the leading dot of a hidden name.
        hidden_ok = segment.startswith(".")
        out.append(("" if hidden_ok else r"(?!\.)") + _segment(segment) + ("" if last else "/"))
    return "".join(out)


def _segment(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            out.append(r"[^/]*")
        elif char == "?":
            out.append(r"[^/]")
        elif char == "[" and segment.find("]", i + 2) > 0:
            end = segment.find("]", i + 2)
            body = segment[i + 1 : end]
            negate = body.startswith(("!", "^"))
            body = re.sub(r"([\\\]\[^])", r"\\\1", body[1:] if negate else body)
            out.append(f"[^/{body}]" if negate else f"[{body}]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def readable_files(base: Path) -> list[tuple[str, Path]]:
    """Files below `base` documents may come from, as (relative POSIX path, path), sorted.

    Regular files only: never a symlink, a hidden file, a file below a hidden folder, or anything
    that resolves outside `base`.
    """
    if not base.is_dir():
        return []
    found = []
    for path in sorted(base.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        relative = path.relative_to(base).as_posix()
        if hidden_segment(relative) is None and path.resolve().is_relative_to(base):
            found.append((relative, path))
    return found


def document_files(ref: DocumentRef) -> list[Path]:
    """The files a local document reference selects (see `readable_files`); [] for remote repos.

    Patterns `pattern_problem` refuses select nothing.
    """
    if ref.local_dir is None:
        return []
    patterns = [p for p in ref.patterns if pattern_problem(p) is None]
    return [
        path
        for relative, path in readable_files(ref.local_dir)
        if any(glob_match(pattern, relative) for pattern in patterns)
    ]


def inputs_hash(config: Config, leaf: Leaf) -> str:
    """sha256 hex over the leaf's inputs and, for a local document, the files it selects.

    A remote document is pinned by its `commit`, which is part of the inputs already.
    """
    payload: dict[str, Any] = {"inputs": leaf_inputs(leaf)}
    ref = document_ref(config, leaf)
    if ref is not None and ref.local_dir is not None:
        payload["documents"] = {
            path.relative_to(ref.local_dir).as_posix(): _file_digest(path)
            for path in document_files(ref)
        }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()

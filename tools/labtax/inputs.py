"""What the teacher sees of a leaf, where a knowledge leaf's document lives, and a hash of both.

`leaf_inputs(leaf)` is the leaf's parsed data without `version` and `created_by` (comments,
formatting and key order are already gone after parsing), together with its kind. Two versions of
a leaf with equal inputs produce the same prompts, so a change that keeps them equal is metadata.

Knowledge documents (`document: {repo, commit, patterns}`):

- `repo` is a git URL (`https://`, `ssh://`, `git://`, `file://`, or `user@host:path`) or a
  relative path to a directory inside this repository, such as `documents/water_cycle`
  (relative to the project root, no leading `/`, no `..`).
- For a URL, `commit` pins what is read and is part of the inputs.
- For a local path, labtax reads the files in the working tree, never a commit: the documents are
  versioned together with the leaf by the repository itself. `commit` is still required by the
  leaf schema but may be any non-empty string; write `local` by convention. Editing a document
  file therefore changes the leaf's `inputs_hash` (and `labtax changed` reports the leaf with
  reason `document`) without touching the leaf.
- `patterns` are globs relative to the document directory: `*` and `?` match within one path
  segment and never a leading dot, `[...]` is a character class, and a `**` segment matches any
  number of directories. `*.md` selects the Markdown files at the top of the directory only;
  `**/*.md` selects them at any depth.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from labtax.config import Config
from labtax.leaves import Leaf, LeafKind
from labtax.util import canonical_json

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
    document = leaf.data.get("document")
    if not isinstance(document, dict):
        return None
    repo = document.get("repo")
    if not isinstance(repo, str) or not repo.strip():
        return None
    commit = document.get("commit")
    raw_patterns = document.get("patterns")
    patterns = (
        tuple(p for p in raw_patterns if isinstance(p, str) and p)
        if isinstance(raw_patterns, list)
        else ()
    )
    return DocumentRef(
        repo.strip(), commit if isinstance(commit, str) else "", patterns, local_dir(config, repo)
    )


def local_dir(config: Config, repo: str) -> Path | None:
    """The directory a `repo` value names inside the project, or None for URLs and escapes."""
    repo = repo.strip()
    if not repo or _URL.match(repo) or repo.startswith("/") or "\\" in repo:
        return None
    parts = PurePosixPath(repo).parts
    if ".." in parts:
        return None
    root = config.root.resolve()
    candidate = root.joinpath(*[p for p in parts if p != "."]) if parts else root
    return candidate if candidate.is_relative_to(root) else None


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
        found = re.compile(_translate(text))
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


def document_files(ref: DocumentRef) -> list[Path]:
    """The regular files a local document reference selects, sorted; [] for remote repos."""
    base = ref.local_dir
    if base is None or not base.is_dir():
        return []
    selected = []
    for path in sorted(base.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        if ref.selects(path.relative_to(base).as_posix()):
            selected.append(path)
    return selected


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

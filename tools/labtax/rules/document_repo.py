"""A knowledge `document.repo` given as a path in this repository that does not hold the documents.

labtax accepts a relative path besides a git URL, so documents can be committed next to the
taxonomy and read offline; such a path must stay inside the repository, name a directory, and
every pattern must select at least one file there.
"""

from __future__ import annotations

import re
from pathlib import Path

from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import Leaf, LeafKind
from labtax.rules.subject import Subject, finding

ID = "document-repo"
LEVEL = Level.ERROR
LEGACY_WARNING = False
SUMMARY = (
    "a knowledge document.repo that is a local path is missing, outside the repo, or unmatched"
)
HINT = "point document.repo at a directory in this repository whose files the patterns select"

_REMOTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)")


def is_local(repo: str) -> bool:
    """Whether `repo` names a path inside this repository rather than a git URL."""
    return not _REMOTE.match(repo)


def check(subject: Subject) -> list[Diagnostic]:
    leaf = subject.leaf
    if leaf is None or leaf.kind is not LeafKind.KNOWLEDGE:
        return []
    document = leaf.data.get("document")
    if not isinstance(document, dict):
        return []
    repo = document.get("repo")
    if not isinstance(repo, str) or not repo or not is_local(repo):
        return []
    root = subject.config.root.resolve()
    where = leaf.positions.of_value(("document", "repo"))
    local = (root / repo).resolve()
    if Path(repo).is_absolute() or not local.is_relative_to(root):
        problem = "points outside the repository"
    elif not local.is_dir():
        problem = "is not a directory in the repository"
    else:
        return _unmatched(subject, leaf, local)
    return [_at(subject, where, f'document.repo "{repo}" {problem}')]


def _unmatched(subject: Subject, leaf: Leaf, local: Path) -> list[Diagnostic]:
    patterns = leaf.data["document"].get("patterns")
    found = []
    for index, pattern in enumerate(patterns if isinstance(patterns, list) else []):
        if not isinstance(pattern, str) or not pattern:
            continue
        if not _selects(local, pattern):
            where = leaf.positions.of_value(("document", "patterns", index))
            found.append(
                _at(subject, where, f'pattern "{pattern}" selects no file in {local.name}/')
            )
    return found


def _selects(local: Path, pattern: str) -> bool:
    """Whether `pattern` selects a file inside `local` (never one reached through '..')."""
    if Path(pattern).is_absolute():
        return False  # pathlib refuses absolute patterns; they could not stay inside anyway
    try:
        matches = local.glob(pattern)
        return any(m.is_file() and m.resolve().is_relative_to(local) for m in matches)
    except (ValueError, OSError):
        return False


def _at(subject: Subject, where: tuple[int, int], message: str) -> Diagnostic:
    return finding(subject, where, LEVEL, ID, message, HINT)

"""A knowledge `document.repo` given as a path in this repository that does not hold the documents.

labtax accepts a relative path besides a git URL, so documents can be committed next to the
taxonomy and read offline; such a path must stay inside the documents folder or the taxonomy
(symlinks resolved), name a directory, contain no hidden segment, and every pattern must select at
least one file there without naming a hidden one (`.env`, `.git/config`). The decisions are
`inputs`' own, so what validates is what generation reads.
"""

from __future__ import annotations

from pathlib import Path

from labtax import inputs
from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import Leaf, LeafKind
from labtax.rules.subject import Subject, finding

ID = "document-repo"
LEVEL = Level.ERROR
LEGACY_WARNING = False
SUMMARY = (
    "a knowledge document.repo that is a local path is missing, outside the documents folder "
    "and the taxonomy, hidden, or unmatched"
)
HINT = (
    "point document.repo at a directory in the documents folder or the taxonomy, and select its "
    "files with patterns that name no hidden file"
)


def is_local(repo: str) -> bool:
    """Whether `repo` names a path inside this repository rather than a git URL."""
    return not inputs.is_url(repo)


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
    problem = inputs.local_problem(subject.config, repo)
    local = inputs.local_dir(subject.config, repo)
    if problem is None and (local is None or not local.is_dir()):
        problem = "is not a directory in the repository"
    found = []
    if problem is not None:
        where = leaf.positions.of_value(("document", "repo"))
        found.append(_at(subject, where, f'document.repo "{repo}" {problem}'))
        local = None
    return found + _patterns(subject, leaf, local)


def _patterns(subject: Subject, leaf: Leaf, local: Path | None) -> list[Diagnostic]:
    """Patterns naming a hidden file; with a readable directory, patterns selecting nothing."""
    patterns = leaf.data["document"].get("patterns")
    files = [relative for relative, _ in inputs.readable_files(local)] if local else []
    found = []
    for index, pattern in enumerate(patterns if isinstance(patterns, list) else []):
        if not isinstance(pattern, str) or not pattern:
            continue
        problem = inputs.pattern_problem(pattern)
        if problem is None and local and not any(inputs.glob_match(pattern, f) for f in files):
            problem = f"selects no file in {local.name}/"
        if problem is not None:
            where = leaf.positions.of_value(("document", "patterns", index))
            found.append(_at(subject, where, f'pattern "{pattern}" {problem}'))
    return found


def _at(subject: Subject, where: tuple[int, int], message: str) -> Diagnostic:
    return finding(subject, where, LEVEL, ID, message, HINT)

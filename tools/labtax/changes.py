"""The leaves a branch changed: `merge-base(BASE, HEAD)` against the working tree, and why.

Committed, staged, unstaged and (by default) untracked changes all count, so the answer is the
same before and after `git commit`. The merge base, not BASE itself, is the starting point: a
branch that merged BASE back in reports only its own work, and commits BASE gained since are not
blamed on the branch.

labtax's own work follows the size of the change: git's diff machinery names the changed paths,
and only those leaves are read and parsed (old versions in one `git cat-file --batch`). The one
part that grows with the tree is git's scan of the working tree (the stat calls and directory walk
`git status` also makes); generated data is kept out of it.

The module is one piece: the classification of one diff (leaf or not, which reasons, renames,
documents) shares the repository layout and the half-built change table, and split apart its parts
would pass both around everywhere; the rest (the merge base, the paths asked about) only feeds it.

Reasons a leaf counts (several may apply; they are sorted):
- `inputs`: what the teacher sees changed (see `inputs.leaf_inputs`), or either version does not
  parse, or the leaf was added or deleted (those two carry this reason alone).
- `metadata`: the file changed, or moved, but its inputs are identical (`created_by`, `version`,
  comments, formatting, key order, the file mode, its location when the kind stays the same).
- `attribution`: the leaf's `attribution.txt` changed.
- `document`: a file of a document inside this repository that the knowledge leaf selects changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from labtax import gitio
from labtax.config import BRANCHES, Config
from labtax.errors import LabtaxError, Location
from labtax.inputs import DocumentRef, document_ref, leaf_inputs
from labtax.leaves import ATTRIBUTION_NAME, LEAF_NAME, Leaf, load_bytes, load_file
from labtax.yamldoc import LoadProblem

Status = Literal["added", "modified", "renamed", "deleted"]
REASONS = ("attribution", "document", "inputs", "metadata")
_YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Change:
    """One changed leaf. Paths are project-relative POSIX paths of the `qna.yaml`."""

    path: str
    leaf_id: str
    status: Status
    reasons: tuple[str, ...]
    old_path: str | None = None
    old_leaf_id: str | None = None
    similarity: int | None = None  # percent, for renames

    @property
    def needs_generation(self) -> bool:
        """Whether the teacher must run: the inputs or the document changed on a live leaf."""
        if self.status == "deleted":
            return False
        return bool({"inputs", "document"} & set(self.reasons))


@dataclass(frozen=True)
class Ignored:
    """A changed file that looks like a leaf but is not one, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class ChangeSet:
    """The result of `changed_leaves`: the base as given, the merge base used, and the findings."""

    base: str
    merge_base: str
    changes: tuple[Change, ...]
    ignored: tuple[Ignored, ...] = ()
    head: str = ""

    @property
    def to_generate(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.needs_generation)


# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Where the project sits inside the git working tree."""

    top: Path  # the git toplevel (resolved, as git reports it)
    root: Path  # the project root, resolved
    taxonomy: str  # the taxonomy dir relative to `top`, "" when it is the toplevel

    def project_path(self, git_path: str) -> str:
        """A toplevel-relative path as a project-relative one (reports use the latter)."""
        full = self.top / git_path
        try:
            return full.relative_to(self.root).as_posix()
        except ValueError:
            return git_path

    def taxonomy_rel(self, git_path: str) -> str | None:
        """The path relative to the taxonomy root, or None when outside it."""
        if not self.taxonomy:
            return git_path
        prefix = self.taxonomy + "/"
        return git_path[len(prefix) :] if git_path.startswith(prefix) else None


@dataclass
class _Scan:
    """Changed paths sorted into buckets before any file is read."""

    leaves: dict[str, gitio.DiffEntry] = field(default_factory=dict)  # new path -> entry
    attribution_dirs: set[str] = field(default_factory=set)  # leaf dirs, git paths
    others: set[str] = field(default_factory=set)  # possible document files, git paths
    ignored: dict[str, str] = field(default_factory=dict)


def changed_leaves(config: Config, base: str | None = None, *, untracked: bool = True) -> ChangeSet:
    """Every leaf whose content differs between `merge-base(base, HEAD)` and the working tree."""
    layout = _layout(config)
    top = layout.top
    if gitio.is_shallow(cwd=top):
        gitio.deepen(cwd=top)
    base_ref = base or gitio.default_base(cwd=top)
    base_sha = gitio.resolve(base_ref, cwd=top)
    head_sha = gitio.head(cwd=top)
    start = gitio.merge_base(base_sha, head_sha, cwd=top)
    entries = gitio.diff_name_status(
        start, cwd=top, exclude=_excluded(config, layout), include_untracked=untracked
    )
    scan = _scan(layout, entries)
    changes = _leaf_changes(config, layout, start, scan.leaves)
    changes = _add_attribution(layout, changes, scan.attribution_dirs)
    changes = _add_documents(config, layout, changes, scan.others)
    ignored = tuple(Ignored(layout.project_path(p), r) for p, r in sorted(scan.ignored.items()))
    ordered = tuple(sorted(changes.values(), key=lambda c: (c.path, c.old_path or "")))
    return ChangeSet(base_ref, start, ordered, ignored, head_sha)


def changed_among(config: Config, files: Iterable[Path]) -> frozenset[Path]:
    """Which of these leaf files were added or changed (their `attribution.txt` included) against
    `merge-base(default base, HEAD)`, untracked files counting as added.

    Cheap, for the paths a hook passes: one diff over just these paths, no leaf is read. When
    there is nothing to compare with, the next best answer is given instead of an error, since
    a hook must work in any repository: with no base branch (or no merge base), HEAD is the base;
    with no commit yet, every file is new; outside a git repository nothing counts as changed.
    """
    wanted = list(files)
    if not wanted:
        return frozenset()
    try:
        top = gitio.toplevel(config.root.resolve())
    except LabtaxError:
        return frozenset()
    by_git_path: dict[str, Path] = {}
    for file in wanted:
        try:
            git_path = file.absolute().relative_to(top).as_posix()
        except ValueError:
            continue
        by_git_path[git_path] = file
        by_git_path[str(PurePosixPath(git_path).parent / ATTRIBUTION_NAME)] = file
    start = _cheap_start(top)
    if start is None:
        return frozenset(by_git_path.values())
    entries = gitio.diff_name_status(start, sorted(by_git_path), cwd=top, include_untracked=True)
    return frozenset(by_git_path[e.path] for e in entries if e.path in by_git_path)


def _cheap_start(top: Path) -> str | None:
    """The commit to compare with for `changed_among`, or None when there is no commit at all."""
    try:
        head_sha = gitio.head(cwd=top)
    except LabtaxError:
        return None
    try:
        base_sha = gitio.resolve(gitio.default_base(cwd=top), cwd=top)
        return gitio.merge_base(base_sha, head_sha, cwd=top)
    except LabtaxError:
        return head_sha


def _layout(config: Config) -> _Layout:
    root = config.root.resolve()
    top = gitio.toplevel(root)
    taxonomy = config.taxonomy.resolve()
    try:
        tax_rel = taxonomy.relative_to(top).as_posix()
    except ValueError:
        raise LabtaxError(
            f"the taxonomy {taxonomy} is outside the git repository {top}",
            hint="keep the taxonomy inside the git repository of its project: point [tool.labtax] "
            "taxonomy (or --taxonomy) at a directory inside it",
            location=Location(str(taxonomy)),
        ) from None
    return _Layout(top, root, "" if tax_rel == "." else tax_rel)


def _excluded(config: Config, layout: _Layout) -> list[str]:
    """Generated data, the response cache and document mirrors: never leaves or documents."""
    taxonomy = layout.top / layout.taxonomy
    excluded = []
    for directory in (config.generated, config.cache_dir, config.mirrors_dir):
        path = directory.resolve()
        if taxonomy.is_relative_to(path) or not path.is_relative_to(layout.top):
            continue
        if path != layout.top:
            excluded.append(path.relative_to(layout.top).as_posix())
    return excluded


def _scan(layout: _Layout, entries: Iterable[gitio.DiffEntry]) -> _Scan:
    scan = _Scan()
    moved_attributions: list[gitio.DiffEntry] = []
    for entry in entries:
        if entry.status == "R" and entry.old_path is not None:
            old_kind = _classify(layout, entry.old_path)[0]
            new_kind = _classify(layout, entry.path)[0]
            if old_kind == new_kind == "leaf":
                scan.leaves[entry.path] = entry
            elif old_kind == new_kind == "attribution" and entry.similarity == 100:
                moved_attributions.append(entry)
            else:
                # A move between a leaf and something else is a delete plus an add.
                _note(layout, scan, gitio.DiffEntry("D", entry.old_path))
                _note(layout, scan, gitio.DiffEntry("A", entry.path))
            continue
        _note(layout, scan, entry)
    moved_leaves = {
        (_parent(e.old_path), _parent(e.path)) for e in scan.leaves.values() if e.old_path
    }
    for entry in moved_attributions:
        pair = (_parent(entry.old_path), _parent(entry.path))
        if pair not in moved_leaves:
            # The credits left one leaf for another: both leaves' attribution changed.
            scan.attribution_dirs.update(pair)
    return scan


def _parent(git_path: str | None) -> str:
    return str(PurePosixPath(git_path or "").parent)


def _note(layout: _Layout, scan: _Scan, entry: gitio.DiffEntry) -> None:
    kind, reason = _classify(layout, entry.path)
    if kind == "leaf":
        scan.leaves[entry.path] = entry
    elif kind == "attribution":
        scan.attribution_dirs.add(_parent(entry.path))
    elif kind == "ignored":
        if entry.status != "D":
            scan.ignored[entry.path] = reason
    elif kind == "other":
        scan.others.add(entry.path)


def _classify(layout: _Layout, git_path: str) -> tuple[str, str]:
    """("leaf" | "attribution" | "ignored" | "other" | "skip", reason for "ignored")."""
    rel = layout.taxonomy_rel(git_path)
    parts = PurePosixPath(rel).parts if rel is not None else ()
    if len(parts) < 2 or parts[0] not in BRANCHES:
        return "other", ""
    return _classify_in_branch(parts)


def _classify_in_branch(parts: tuple[str, ...]) -> tuple[str, str]:
    name = parts[-1]
    is_yaml = name.lower().endswith(_YAML_SUFFIXES)
    if any(p.startswith(".") for p in parts[1:]):
        hidden = "hidden files and directories are not part of the taxonomy"
        return ("ignored", hidden) if is_yaml else ("skip", "")
    if name == LEAF_NAME:
        top = f"a leaf must be in a directory below {parts[0]}/, not at its top"
        return ("leaf", "") if len(parts) >= 3 else ("ignored", top)
    if name == ATTRIBUTION_NAME:
        return "attribution", ""
    misnamed = f"not a leaf: taxonomy leaves must be named {LEAF_NAME}"
    return ("ignored", misnamed) if is_yaml else ("other", "")


def _leaf_id(layout: _Layout, git_path: str) -> str:
    rel = layout.taxonomy_rel(git_path) or git_path
    return str(PurePosixPath(rel).parent)


# ---------------------------------------------------------------------------------------------
# Leaves: added, deleted, modified, renamed


def _leaf_changes(
    config: Config, layout: _Layout, start: str, entries: Mapping[str, gitio.DiffEntry]
) -> dict[str, Change]:
    compare = {
        path: entry.old_path or path
        for path, entry in entries.items()
        if entry.status not in {"A", "D"}
    }
    old_blobs = gitio.read_blobs(start, compare.values(), cwd=layout.top)
    changes: dict[str, Change] = {}
    for path, entry in sorted(entries.items()):
        leaf_id = _leaf_id(layout, path)
        shown = layout.project_path(path)
        if entry.status == "A":
            changes[path] = Change(shown, leaf_id, "added", ("inputs",))
        elif entry.status == "D":
            changes[path] = Change(shown, leaf_id, "deleted", ("inputs",))
        else:
            old_path = compare[path]
            same = _same_inputs(config, layout, old_path, old_blobs.get(old_path), path)
            reason = "metadata" if same else "inputs"
            if entry.status == "R":
                changes[path] = Change(
                    shown,
                    leaf_id,
                    "renamed",
                    (reason,),
                    layout.project_path(old_path),
                    _leaf_id(layout, old_path),
                    entry.similarity,
                )
            else:
                changes[path] = Change(shown, leaf_id, "modified", (reason,))
    return changes


def _same_inputs(
    config: Config,
    layout: _Layout,
    old_path: str,
    old_raw: bytes | None,
    new_path: str,
) -> bool:
    """True when both versions load and the teacher would see the same thing."""
    if old_raw is None:
        return False
    old = _load_old(config, layout, old_path, old_raw)
    try:
        new = load_file(config, layout.top / new_path)
    except LoadProblem:
        return False
    if old is None:
        return False
    return leaf_inputs(old) == leaf_inputs(new)


def _load_old(config: Config, layout: _Layout, git_path: str, raw: bytes) -> Leaf | None:
    try:
        return load_bytes(
            layout.project_path(git_path), _leaf_id(layout, git_path), raw, config.max_file_bytes
        )
    except LoadProblem:
        return None


# ---------------------------------------------------------------------------------------------
# Attribution and documents


def _add_attribution(
    layout: _Layout, changes: dict[str, Change], directories: Iterable[str]
) -> dict[str, Change]:
    for directory in sorted(directories):
        path = f"{directory}/{LEAF_NAME}" if directory != "." else LEAF_NAME
        _add_reason(layout, changes, path, "attribution")
    return changes


def _add_reason(layout: _Layout, changes: dict[str, Change], path: str, reason: str) -> None:
    """Give the leaf at git path `path` another reason, adding a `modified` entry if needed."""
    current = changes.get(path)
    if current is not None:
        # An added leaf counts because it is new; its attribution and documents are new with it.
        if current.status in {"modified", "renamed"} and reason not in current.reasons:
            reasons = tuple(sorted({*current.reasons, reason}))
            changes[path] = Change(
                current.path,
                current.leaf_id,
                current.status,
                reasons,
                current.old_path,
                current.old_leaf_id,
                current.similarity,
            )
        return
    if _classify(layout, path)[0] != "leaf" or not (layout.top / path).is_file():
        return  # the leaf is gone or never existed: nothing is left to attribute
    changes[path] = Change(layout.project_path(path), _leaf_id(layout, path), "modified", (reason,))


def _add_documents(
    config: Config, layout: _Layout, changes: dict[str, Change], others: Iterable[str]
) -> dict[str, Change]:
    changed = sorted(others)
    if not changed:
        return changes
    regexes = _repo_regexes(layout, changed)
    knowledge = f"{layout.taxonomy}/knowledge" if layout.taxonomy else "knowledge"
    candidates = gitio.grep_files(regexes, [f"{knowledge}/**/{LEAF_NAME}"], cwd=layout.top)
    candidates += [
        path
        for path, change in changes.items()
        if change.status == "added" and path.startswith(knowledge + "/")
    ]
    for path in sorted(set(candidates)):
        if _classify(layout, path)[0] != "leaf":
            continue
        try:
            leaf = load_file(config, layout.top / path)
        except LoadProblem:
            continue  # its own change (if any) is already reported with reason `inputs`
        ref = document_ref(config, leaf)
        if ref is None or ref.local_dir is None:
            continue
        if any(_selected(layout, ref, other) for other in changed):
            _add_reason(layout, changes, path, "document")
    return changes


def _selected(layout: _Layout, ref: DocumentRef, git_path: str) -> bool:
    """Whether a changed file is one of the document files `ref` selects."""
    if ref.local_dir is None:
        return False
    try:
        rel = (layout.top / git_path).relative_to(ref.local_dir).as_posix()
    except ValueError:
        return False
    return ref.selects(rel)


def _repo_regexes(layout: _Layout, changed: Iterable[str]) -> list[str]:
    """`repo:` lines that could name a directory holding one of the changed files.

    A cheap filter run by `git grep`, so only leaves that might reference a changed document are
    parsed; the exact decision is made on the parsed leaf.
    """
    directories: set[str] = set()
    for git_path in changed:
        project = PurePosixPath(layout.project_path(git_path))
        if project.is_absolute() or ".." in project.parts:
            continue
        directories.update(str(parent) for parent in project.parents if str(parent) != ".")
        directories.add(".")
    regexes = []
    for directory in sorted(directories):
        body = "(\\./?)?" if directory == "." else "(\\./)*" + _ere_escape(directory) + "/?"
        regexes.append(f"repo:[[:space:]]*[\"']?{body}[\"']?[[:space:]]*([,}}#].*)?$")
    return regexes


def _ere_escape(text: str) -> str:
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", text)

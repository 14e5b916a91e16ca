"""Taxonomy leaves: find each `qna.yaml`, load it into a frozen `Leaf`, read its seed examples.

The YAML itself is parsed by `yamldoc` (positions, hostile input). A `Leaf` adds where the file is,
which kind of leaf it is, and typed accessors, so no other module digs in the raw mapping: rules
that must also run on invalid leaves walk `Leaf.data` themselves (`rules/examples.py`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from labtax.config import BRANCHES, Config
from labtax.errors import LabtaxError, Location
from labtax.yamldoc import LoadProblem, Positions, decode, parse, read_bytes, too_large

LEAF_NAME = "qna.yaml"
ATTRIBUTION_NAME = "attribution.txt"


class LeafKind(StrEnum):
    KNOWLEDGE = "knowledge"
    FREEFORM_SKILL = "freeform_skill"
    GROUNDED_SKILL = "grounded_skill"


@dataclass(frozen=True)
class SeedExample:
    """One seed example as the teacher sees it: its context (when any) and its question/answers.

    A skill example holds one pair; a knowledge example (a context with its questions_and_answers)
    holds several.
    """

    context: str | None
    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DocumentField:
    """A knowledge leaf's `document` as written: its repository (trimmed), its commit ("" when
    not text) and its usable patterns (non-empty strings)."""

    repo: str
    commit: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Leaf:
    """A loaded `qna.yaml`: where it is, what kind of leaf it is, its data and positions."""

    path: str  # project-relative POSIX path of the qna.yaml, as reports show it
    leaf_id: str  # the leaf directory relative to the taxonomy root, e.g. "knowledge/a/b"
    kind: LeafKind
    version: int | None  # the declared `version`, None when absent or not an integer
    data: dict[str, Any]
    positions: Positions
    text: str  # the decoded text, BOM removed

    @property
    def branch(self) -> str:
        return self.leaf_id.split("/", 1)[0]

    @property
    def task_description(self) -> str:
        return _text(self.data.get("task_description"))

    @property
    def domain(self) -> str:
        return _text(self.data.get("domain"))

    @property
    def document_outline(self) -> str:
        return _text(self.data.get("document_outline"))

    @property
    def has_document(self) -> bool:
        """Whether the file has a `document` key at all (usable or not)."""
        return "document" in self.data

    @property
    def document(self) -> DocumentField | None:
        """The `document` of the file when it names a repository, else None."""
        document = self.data.get("document")
        if not isinstance(document, dict):
            return None
        repo, commit = document.get("repo"), document.get("commit")
        if not isinstance(repo, str) or not repo.strip():
            return None
        raw = document.get("patterns")
        patterns = (
            tuple(p for p in raw if isinstance(p, str) and p) if isinstance(raw, list) else ()
        )
        return DocumentField(repo.strip(), commit if isinstance(commit, str) else "", patterns)

    @property
    def seed_count(self) -> int:
        """How many entries `seed_examples` has (usable or not)."""
        seeds = self.data.get("seed_examples")
        return len(seeds) if isinstance(seeds, list) else 0

    @cached_property
    def seed_examples(self) -> tuple[SeedExample, ...]:
        """The usable seed examples: blank questions or answers, and non-mappings, are skipped.

        Knowledge examples of format v3 hold a context with several pairs; older ones are bare
        pairs, read as an example without context.
        """
        items = self.data.get("seed_examples")
        found = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            nested = item.get("questions_and_answers")
            raw = nested if self.kind is LeafKind.KNOWLEDGE and isinstance(nested, list) else [item]
            pairs = tuple(
                (_text(p.get("question")), _text(p.get("answer")))
                for p in raw
                if isinstance(p, dict) and _text(p.get("question")) and _text(p.get("answer"))
            )
            if pairs:
                found.append(SeedExample(_text(item.get("context")) or None, pairs))
        return tuple(found)

    @property
    def seed_pairs(self) -> tuple[tuple[str | None, str, str], ...]:
        """Every seed (context, question, answer), one per pair."""
        return tuple((e.context, q, a) for e in self.seed_examples for q, a in e.pairs)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


# ---------------------------------------------------------------------------------------------
# Discovery


def discover(config: Config, paths: Iterable[Path] = ()) -> list[Path]:
    """YAML files under the taxonomy (or under `paths`), sorted; misnamed ones included for lint."""
    targets = list(paths) or [config.taxonomy / b for b in BRANCHES]
    found: set[Path] = set()
    for target in targets:
        if target.is_dir() and not target.is_symlink() and not _yaml_named(target.name):
            # The taxonomy, or a directory holding it (`validate .` at an InstructLab root), is
            # what a run with no path walks: not the repository's other YAML (docs/, CI files).
            holds = config.taxonomy.absolute().is_relative_to(target.absolute())
            tops = whole_taxonomy(config) if holds else [target]
            found.update(f for top in tops if top.is_dir() for f in _walk(top))
        elif target.name == ATTRIBUTION_NAME:
            # A changed attribution.txt (as pre-commit passes it) stands for the leaf beside it.
            sibling = target.parent / LEAF_NAME
            if sibling.exists() or sibling.is_symlink():
                found.add(sibling)
        elif target.exists() or target.is_symlink():
            found.add(target)
    return sorted(found)


def _yaml_named(name: str) -> bool:
    # A directory given by name (`qna.yaml/`) is reported by the loader, as when walking.
    return name.lower().endswith((".yaml", ".yml"))


def whole_taxonomy(config: Config) -> list[Path]:
    """The directories a check of the whole taxonomy walks. A dedicated taxonomy directory is
    walked whole, so a leaf outside the three branches is reported; a repository holding the
    branches at its root (InstructLab's layout) only its branches, not docs/ and the rest."""
    if config.taxonomy.resolve() != config.root.resolve():
        return [config.taxonomy]
    return [config.taxonomy / b for b in BRANCHES]


def _walk(top: Path) -> Iterator[Path]:
    # scandir reports each entry's type from the directory listing: no stat call per entry.
    with os.scandir(top) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if _yaml_named(entry.name):
            yield top / entry.name  # a directory named qna.yaml is reported by the loader
        elif entry.is_dir(follow_symlinks=False):
            yield from _walk(top / entry.name)


def leaf_id_of(config: Config, path: Path) -> str | None:
    """The leaf id for a `qna.yaml` path under the taxonomy root, or None when outside it."""
    try:
        rel = path.absolute().relative_to(config.taxonomy.absolute())
    except ValueError:
        return None
    return rel.parent.as_posix()


def kind_of(leaf_id: str, data: dict[str, Any]) -> LeafKind:
    """Knowledge by branch; a skill is grounded by a `grounded` segment or a seed `context`."""
    if leaf_id.split("/", 1)[0] == "knowledge":
        return LeafKind.KNOWLEDGE
    if "grounded" in PurePosixPath(leaf_id).parts:
        return LeafKind.GROUNDED_SKILL
    examples = data.get("seed_examples")
    if isinstance(examples, list) and any(isinstance(e, dict) and "context" in e for e in examples):
        return LeafKind.GROUNDED_SKILL
    return LeafKind.FREEFORM_SKILL


# ---------------------------------------------------------------------------------------------
# Loading


def load_text(path: str, leaf_id: str, text: str) -> Leaf:
    """Load already-decoded text (from disk or a git blob) into a `Leaf`."""
    document = parse(text)
    version = document.data.get("version")
    declared = version if isinstance(version, int) and not isinstance(version, bool) else None
    kind = kind_of(leaf_id, document.data)
    return Leaf(path, leaf_id, kind, declared, document.data, document.positions, text)


def load_bytes(path: str, leaf_id: str, raw: bytes, max_bytes: int) -> Leaf:
    """Load raw bytes (a git blob, say) with the same limits as a file on disk."""
    if len(raw) > max_bytes:
        raise too_large(len(raw), max_bytes)
    return load_text(path, leaf_id, decode(raw))


def load_file(config: Config, path: Path) -> Leaf:
    """Read and load one `qna.yaml` under the taxonomy root."""
    leaf_id = leaf_id_of(config, path) or path.parent.as_posix()
    raw = read_bytes(path, config.root, config.max_file_bytes)
    return load_text(config.rel(path), leaf_id, decode(raw))


def load_all(config: Config) -> list[Leaf]:
    """Every leaf of the taxonomy, by id, for a command that needs them all; one that does not
    load is a located error."""
    found = []
    for path in discover(config):
        if path.name != LEAF_NAME:
            continue
        try:
            found.append(load_file(config, path))
        except LoadProblem as problem:
            raise LabtaxError(
                f"the leaf does not load: {problem.message}",
                hint=problem.hint or "fix it first (`labtax validate` lists every problem)",
                location=Location(config.rel(path), problem.line, problem.col),
            ) from problem
    return sorted(found, key=lambda leaf: leaf.leaf_id)

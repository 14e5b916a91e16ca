"""The validation pipeline: discover -> load -> schema -> rules -> sorted diagnostics.

Each file is checked on its own, so a large tree is split across processes (one per core) while a
small run stays in this process: starting workers costs more than checking a few files. Nothing
but diagnostics outlives a file, so memory does not grow with the number of leaves.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from labtax import leaves, schemas, yamldoc
from labtax.config import BRANCHES, Config
from labtax.diagnostics import Diagnostic
from labtax.leaves import Leaf, LeafKind
from labtax.rules import CHECKS, NAME_RULE
from labtax.rules.subject import Subject
from labtax.rules.version_deprecated import ID as VERSION_DEPRECATED
from labtax.rules.version_required import ID as VERSION_REQUIRED
from labtax.util import absolute
from labtax.yamldoc import LoadProblem

# Below this many files one process is faster than starting workers.
PARALLEL_MIN_FILES = 200
_CHUNK = 64
YAML_SUFFIXES = frozenset({".yaml", ".yml"})


@dataclass(frozen=True)
class Report:
    """The outcome of a run: sorted diagnostics and how many files were checked."""

    diagnostics: tuple[Diagnostic, ...]
    files: int


def targets(config: Config, paths: Iterable[Path] = ()) -> list[Path]:
    """The files a run checks: those under `paths`, else the whole taxonomy."""
    given = list(paths)
    if given:
        return match_paths(config, given)[0]
    return leaves.discover(config, leaves.whole_taxonomy(config))


def match_paths(config: Config, paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """The files the given paths stand for, and the paths (as given) that stand for none.

    Paths are taken from the current directory and normalised (`util.absolute`), so a path
    written with `..` is checked by where it leads.
    """
    found: set[Path] = set()
    unmatched: list[Path] = []
    for given in paths:
        chosen = _leaf_for(absolute(given))
        files = leaves.discover(config, [chosen]) if chosen is not None else []
        if files:
            found.update(files)
        else:
            unmatched.append(given)
    return sorted(found), unmatched


def _leaf_for(path: Path) -> Path | None:
    """The file to check for a path given on the command line.

    A YAML file or a directory is itself; any other file (`attribution.txt`, as pre-commit passes
    it) stands for the leaf next to it, if there is one.
    """
    if path.is_dir() or path.suffix.lower() in YAML_SUFFIXES:
        return path
    sibling = path.parent / leaves.LEAF_NAME
    return sibling if sibling.exists() or sibling.is_symlink() else None


def validate(
    config: Config,
    paths: Iterable[Path] = (),
    *,
    changed: Collection[Path] = (),
    jobs: int | None = None,
) -> Report:
    """Validate the files under `paths` (default: the taxonomy)."""
    return validate_files(config, targets(config, paths), changed=changed, jobs=jobs)


def validate_files(
    config: Config,
    files: Sequence[Path],
    *,
    changed: Collection[Path] = (),
    jobs: int | None = None,
) -> Report:
    """Validate exactly these files; those in `changed` were added or changed against the base
    (they must be at the current version). `jobs` caps the worker processes (default: the
    cores)."""
    fresh = frozenset(changed)
    work = [(file, file in fresh) for file in files]
    workers = min(jobs or _cores(), max(1, len(files) // _CHUNK))
    if workers > 1 and len(files) >= PARALLEL_MIN_FILES:
        found = list(_parallel(config, work, workers))
    else:
        found = [d for file, new in work for d in check_file(config, file, changed=new)]
    return Report(tuple(sorted(set(found))), len(files))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


_worker_config: Config | None = None


def _init_worker(config: Config) -> None:
    global _worker_config  # noqa: PLW0603 - per-process state set once by the pool initializer
    _worker_config = config


def _check_in_worker(item: tuple[Path, bool]) -> list[Diagnostic]:
    if _worker_config is None:
        raise RuntimeError("validation worker started without its configuration")
    return check_file(_worker_config, item[0], changed=item[1])


def _parallel(
    config: Config, files: Sequence[tuple[Path, bool]], workers: int
) -> Iterator[Diagnostic]:
    import multiprocessing  # lazily: only large runs start workers

    methods = multiprocessing.get_all_start_methods()
    # fork starts a worker in milliseconds with everything already imported.
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(workers, initializer=_init_worker, initargs=(config,)) as pool:
        for found in pool.imap_unordered(_check_in_worker, files, chunksize=_CHUNK):
            yield from found


def check_file(
    config: Config, file: Path, *, changed: bool = False, loaded: Leaf | None = None
) -> list[Diagnostic]:
    """Every diagnostic for one file, in rule order (the caller sorts), at the levels the
    settings give each rule. `changed`: the leaf was added or changed against the base.
    `loaded`: the file as `leaves.load_file` already read it, so it is not read and parsed again
    (`generate` vets the leaves it loaded)."""
    return _configured(config, _check(config, file, changed=changed, loaded=loaded))


def _check(config: Config, file: Path, *, changed: bool, loaded: Leaf | None) -> list[Diagnostic]:
    path = _rel(config, file)
    leaf_id = leaves.leaf_id_of(config, file)
    bare = Subject(config, file, path, leaf_id, None, None, None, changed)
    misnamed = NAME_RULE.check(bare)
    if misnamed:
        return list(misnamed)
    if loaded is not None and _in_branch(leaf_id):
        return _check_leaf(bare, loaded.text, loaded)
    try:
        text = yamldoc.decode(yamldoc.read_bytes(file, config.root, config.max_file_bytes))
    except LoadProblem as problem:
        return [Diagnostic.from_problem(path, problem)]
    try:
        leaf = _load(path, leaf_id, text)
    except LoadProblem as problem:
        return _check_leaf(bare, text, None, problem)
    return _check_leaf(bare, text, leaf)


def _check_leaf(
    bare: Subject, text: str, leaf: Leaf | None, problem: LoadProblem | None = None
) -> list[Diagnostic]:
    """The schema (for a leaf that loads) and every rule over a file's text."""
    found: list[Diagnostic] = []
    version: int | None = None
    if problem is not None:
        found.append(Diagnostic.from_problem(bare.path, problem))
    if leaf is not None:
        version = schemas.effective_version(leaf.data)
        found.extend(schemas.check(leaf))
    subject = dataclasses.replace(bare, text=text, leaf=leaf, version=version)
    for rule in CHECKS:
        found.extend(rule(subject))
    return found


def _configured(config: Config, found: list[Diagnostic]) -> list[Diagnostic]:
    levelled = config.rules.apply(found)
    if any(d.rule == VERSION_REQUIRED for d in levelled):
        # Requiring the current version says all that the deprecation would.
        return [d for d in levelled if d.rule != VERSION_DEPRECATED]
    return levelled


def _rel(config: Config, file: Path) -> str:
    # Config.rel resolves every path (a system call per component); files found by walking the
    # resolved root need no resolving, which matters on large trees.
    try:
        return file.absolute().relative_to(config.root).as_posix()
    except ValueError:
        return config.rel(file)


def _in_branch(leaf_id: str | None) -> bool:
    return leaf_id is not None and leaf_id.split("/", 1)[0] in BRANCHES


def _load(path: str, leaf_id: str | None, text: str) -> Leaf:
    if leaf_id is not None and _in_branch(leaf_id):
        return leaves.load_text(path, leaf_id, text)
    # Outside the branches the kind cannot come from the path; like instructlab-schema, a leaf
    # with a `document` is taken for knowledge.
    leaf = leaves.load_text(path, leaf_id or ".", text)
    kind = LeafKind.KNOWLEDGE if leaf.has_document else LeafKind.FREEFORM_SKILL
    return dataclasses.replace(leaf, kind=kind)

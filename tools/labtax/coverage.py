"""Per-leaf coverage of the taxonomy: seeds, kept samples, rejections, data freshness, the
diversity of the kept questions and, when a student is named, how it scores on the leaf.

The taxonomy is folded into a tree whose inner nodes total their subtree, so a curator sees at a
glance which branches are thin. Problems (a leaf that does not load, damaged generated data) are
recorded on the leaf rather than raised, so one bad file does not hide the rest of the overview.
Diversity is computed the first time it is asked for (`labtax.diversity`, which loads rapidfuzz),
so building the tree stays cheap; a branch's figures are over all its leaves' questions.

Data its manifest vouches for (the files' digests match) is read fast: counts from the manifest,
questions straight from the lines (`reader.trusted_questions`); anything else goes through the
strict reader, which says what is wrong. A large taxonomy is read by one process per core, each
also computing its leaves' diversity (`PARALLEL_MIN_LEAVES`).

The module is one piece (over 400 lines): the fast and the strict reading of a leaf, the
parallel reading and the tree must give the same figures, and they are checked against each other
(`tests/test_coverage.py`); split apart they would each need the leaf figures' whole shape.
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labtax import inputs, leaves, yamldoc
from labtax.config import Config
from labtax.dataset import reader, status, store
from labtax.dataset.records import AUXILIARY_FORMS, MANIFEST, SAMPLES, LeafData, rejection_rate
from labtax.dataset.status import DataState
from labtax.errors import LabtaxError
from labtax.evaluation import questions as held_out
from labtax.evaluation import store as evaluations
from labtax.evaluation.records import NOT_EVALUATED, LeafEvaluation, mean

if TYPE_CHECKING:
    from labtax.diversity import Bigrams, Diversity

STATUSES: tuple[DataState, ...] = ("fresh", "stale", "missing", "invalid", "orphaned")
# From this many leaves on, leaves are read (and their diversity computed) by one process per core.
PARALLEL_MIN_LEAVES = 200
_CHUNK = 25


@dataclass(frozen=True)
class LeafCoverage:
    leaf_id: str
    path: str  # the qna.yaml (or, for orphaned data, the data directory), project-relative
    kind: str | None
    seeds: int
    kept: int
    rejected: int
    status: DataState
    problem: str | None = None  # a located message when the leaf or its data cannot be read
    # The kept samples' real questions: the auxiliary forms' fixed instructions are left out.
    questions: tuple[str, ...] = field(default=(), repr=False, compare=False)
    evaluation: LeafEvaluation | None = None  # the named student's, when it has one
    # A knowledge leaf's document chunks: (those its kept samples come from, all of them).
    chunks: tuple[int, int] | None = None
    # The named student's stored evaluation of the leaf cannot be read (a located message).
    evaluation_problem: str | None = None
    # The stored evaluation was made for other questions (or templates) than the leaf's now.
    evaluation_outdated: bool = False

    @property
    def rejection_rate(self) -> float | None:
        return rejection_rate(self.rejected, self.kept)

    @cached_property
    def bigrams(self) -> Bigrams:
        from labtax.diversity import bigrams_of

        return bigrams_of(self.questions)

    @cached_property
    def diversity(self) -> Diversity:
        from labtax.diversity import diversity

        return diversity(self.questions, bigrams=self.bigrams)

    def as_dict(self) -> dict[str, Any]:
        return {
            "leaf_id": self.leaf_id,
            "path": self.path,
            "kind": self.kind,
            "seeds": self.seeds,
            "kept": self.kept,
            "rejected": self.rejected,
            "rejection_rate": self.rejection_rate,
            "status": self.status,
            "problem": self.problem,
            "diversity": self.diversity.as_dict(),
            "student": _student_figures(self.evaluation, outdated=self.evaluation_outdated),
            "evaluation_problem": self.evaluation_problem,
            "chunks": None
            if self.chunks is None
            else {"contributing": self.chunks[0], "total": self.chunks[1]},
        }


@dataclass(frozen=True)
class TreeNode:
    name: str
    path: str  # the node's path relative to the taxonomy root; "" for the root
    children: tuple[TreeNode, ...]
    leaf: LeafCoverage | None

    def leaves(self) -> Iterable[LeafCoverage]:
        if self.leaf is not None:
            yield self.leaf
        for child in self.children:
            yield from child.leaves()

    def totals(self) -> dict[str, Any]:
        every = list(self.leaves())
        # Orphaned data belongs to no leaf: it is listed, but it does not cover the taxonomy.
        items = [i for i in every if i.status != "orphaned"]
        kept = sum(i.kept for i in items)
        rejected = sum(i.rejected for i in items)
        statuses = Counter(i.status for i in every)
        return {
            "leaves": len(items),
            "seeds": sum(i.seeds for i in items),
            "kept": kept,
            "rejected": rejected,
            "rejection_rate": rejection_rate(rejected, kept),
            "status": {s: statuses[s] for s in STATUSES if statuses[s]},
            "diversity": self.diversity.as_dict(),
            "student": self.student,
        }

    @cached_property
    def bigrams(self) -> Bigrams:
        """The bigrams of the subtree's kept questions: its leaf's and its children's, merged."""
        from labtax.diversity import bigrams_of, merged

        parts = [child.bigrams for child in self.children]
        if self.leaf is not None and self.leaf.status != "orphaned":
            parts.append(self.leaf.bigrams)
        return merged(parts) if parts else bigrams_of(())

    @cached_property
    def diversity(self) -> Diversity:
        """The figures over every kept question of the subtree's leaves."""
        from labtax.diversity import diversity

        items = [i for i in self.leaves() if i.status != "orphaned"]
        if len(items) == 1:
            return items[0].diversity  # the same questions: the leaf's own (perhaps computed)
        questions = [q for i in items for q in i.questions]
        return diversity(questions, bigrams=self.bigrams)

    @cached_property
    def student(self) -> dict[str, Any] | None:
        """The student's scores over every question of the subtree; None when none has any."""
        found = [i.evaluation for i in self.leaves() if i.evaluation is not None]
        if not found:
            return None
        scores = [o.score for e in found for o in e.outcomes if o.scored and o.score is not None]
        return {
            "mean_score": mean(scores),
            "evaluated": len(scores),
            "failed": sum(e.failed for e in found),
            "leaves_evaluated": sum(1 for e in found if e.status != NOT_EVALUATED),
            "leaves_not_evaluated": sum(1 for e in found if e.status == NOT_EVALUATED),
            "leaves_outdated": sum(1 for i in self.leaves() if i.evaluation_outdated),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "totals": self.totals(),
            "leaf": self.leaf.as_dict() if self.leaf else None,
            "children": [child.as_dict() for child in self.children],
        }

    @property
    def has_problems(self) -> bool:
        return any(leaf.problem or leaf.evaluation_problem for leaf in self.leaves())


def coverage(config: Config, student: str | None = None) -> list[LeafCoverage]:
    """Every leaf of the taxonomy, plus generated data whose leaf no longer exists, by leaf id;
    with `student`, each leaf carries that student's stored evaluation (when it has one)."""
    scored, damaged = evaluations.load_stored(config, student) if student else ({}, {})
    paths = [p for p in leaves.discover(config) if p.name == leaves.LEAF_NAME]
    workers = min(_cores(), len(paths) // _CHUNK)
    if workers > 1 and len(paths) >= PARALLEL_MIN_LEAVES:
        items = _parallel(config, scored, paths, workers)
    else:
        items = [_leaf_coverage(config, path, scored) for path in paths]
    found = {item.leaf_id: item for item in items}
    for leaf_id in store.stored_leaf_ids(config):
        if leaf_id not in found:
            found[leaf_id] = _orphan(config, leaf_id)
    for leaf_id, message in damaged.items():
        if leaf_id in found:
            found[leaf_id] = replace(found[leaf_id], evaluation_problem=message)
    return [found[k] for k in sorted(found)]


def _student_figures(
    evaluation: LeafEvaluation | None, *, outdated: bool = False
) -> dict[str, Any] | None:
    if evaluation is None:
        return None
    return {
        "outdated": outdated,
        "model": evaluation.student.model,
        "judge": evaluation.judge.model,
        "status": evaluation.status,
        "mean_score": evaluation.mean_score,
        "evaluated": evaluation.evaluated,
        "failed": evaluation.failed,
        "reason": evaluation.reason,
    }


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without affinity (macOS)
        return os.cpu_count() or 1


_worker_job: tuple[Config, Mapping[str, LeafEvaluation]] | None = None


def _init_worker(config: Config, scored: Mapping[str, LeafEvaluation]) -> None:
    global _worker_job  # noqa: PLW0603 - per-process state set once by the pool initializer
    _worker_job = (config, scored)


def _cover_in_worker(path: Path) -> LeafCoverage:
    if _worker_job is None:
        raise RuntimeError("coverage worker started without its configuration")
    item = _leaf_coverage(_worker_job[0], path, _worker_job[1])
    # Computed here, on this core; they travel back with the leaf (a branch merges the bigrams).
    _ = item.diversity
    return item


def _parallel(
    config: Config,
    scored: Mapping[str, LeafEvaluation],
    paths: Sequence[Path],
    workers: int,
) -> list[LeafCoverage]:
    import multiprocessing  # lazily: only large taxonomies start workers

    methods = multiprocessing.get_all_start_methods()
    # fork starts a worker in milliseconds with everything already imported.
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(workers, initializer=_init_worker, initargs=(config, scored)) as pool:
        return list(pool.imap(_cover_in_worker, paths, chunksize=_CHUNK))


def _leaf_coverage(
    config: Config, path: Path, scored: Mapping[str, LeafEvaluation]
) -> LeafCoverage:
    rel = config.rel(path)
    leaf_id = leaves.leaf_id_of(config, path) or path.parent.as_posix()
    evaluation = scored.get(leaf_id)
    try:
        leaf = leaves.load_file(config, path)
    except yamldoc.LoadProblem as problem:
        where = f"{rel}:{problem.line}:{problem.col or 1}" if problem.line else rel
        message = f"{where}: {problem.message}"
        return LeafCoverage(leaf_id, rel, None, 0, 0, 0, "invalid", message, evaluation=evaluation)
    item = _loaded_coverage(config, leaf, rel, evaluation)
    if evaluation is not None and held_out.outdated(evaluation, leaf, _evaluation_templates()):
        return replace(item, evaluation_outdated=True)
    return item


@functools.cache
def _evaluation_templates() -> dict[str, str]:
    from labtax.prompts import EVALUATION, template_hashes

    return template_hashes(EVALUATION)


def _loaded_coverage(
    config: Config, leaf: leaves.Leaf, rel: str, evaluation: LeafEvaluation | None
) -> LeafCoverage:
    leaf_id = leaf.leaf_id
    kind, seeds = leaf.kind.value, leaf.seed_count
    try:
        files = store.leaf_files(config, leaf_id)
        vouched = _vouched(config, leaf, files)
        if vouched is not None:
            state, kept, rejected, asked, chunks = vouched
            return LeafCoverage(
                leaf_id, rel, kind, seeds, kept, rejected, state, None, asked, evaluation, chunks
            )
        data = _parse(config, leaf_id, files)
    except LabtaxError as exc:
        return _unreadable(config, leaf, exc, evaluation)
    manifest = data.manifest if data else None
    # The inputs hash is only worth computing (it reads local documents) against a manifest.
    expected = inputs.inputs_hash(config, leaf) if manifest else ""
    state = status.state_of(files, manifest, expected)
    kept, rejected = (len(data.samples), len(data.rejected)) if data else (0, 0)
    asked = tuple(s.question for s in data.samples if s.form not in AUXILIARY_FORMS) if data else ()
    return LeafCoverage(
        leaf_id,
        rel,
        kind,
        seeds,
        kept,
        rejected,
        state,
        questions=asked,
        evaluation=evaluation,
        chunks=_chunks(data),
    )


def _unreadable(
    config: Config, leaf: leaves.Leaf, exc: LabtaxError, evaluation: LeafEvaluation | None
) -> LeafCoverage:
    """A leaf whose records cannot be read, in the state `labtax status` gives it: stale when
    its files are not the ones its manifest vouches for (the next run replaces them), invalid
    only when they are and still do not read."""
    # Data of an older format is not damage: it is stale, and the next run replaces it.
    outdated = isinstance(exc, reader.DamagedData) and exc.outdated
    problem = None if outdated else exc.render()
    state: DataState = status.freshness(config, leaf)
    if state == "fresh":
        state = "invalid"
    return LeafCoverage(
        leaf.leaf_id,
        leaf.path,
        leaf.kind.value,
        leaf.seed_count,
        0,
        0,
        state,
        problem,
        evaluation=evaluation,
    )


def _chunks(data: LeafData | None) -> tuple[int, int] | None:
    """How many of a knowledge leaf's chunks its kept samples come from, of how many."""
    if data is None or data.manifest is None or not data.manifest.documents:
        return None
    total = sum(use.chunks for use in data.manifest.documents)
    used = {(s.provenance.document, s.provenance.chunk) for s in data.samples}
    return len(used), total


def _vouched(
    config: Config, leaf: leaves.Leaf, files: Mapping[str, bytes]
) -> tuple[DataState, int, int, tuple[str, ...], tuple[int, int] | None] | None:
    """(state, kept, rejected, questions, chunks) of data whose manifest vouches for its files,
    read without checking each record again; None for anything else (the strict reader's
    case)."""
    raw = files.get(MANIFEST)
    if raw is None:
        return None
    try:
        manifest = reader.parse_manifest(raw, MANIFEST)
    except LabtaxError:
        return None
    if not status.digests_match(files, manifest):
        return None
    state: DataState = status.state_of(files, manifest, inputs.inputs_hash(config, leaf))
    every = reader.trusted_questions(files[SAMPLES])
    asked = every
    chunks = None
    if manifest.documents:
        used = reader.trusted_chunks(files[SAMPLES])
        chunks = len(used), sum(use.chunks for use in manifest.documents)
        forms = reader.trusted_forms(files[SAMPLES])
        asked = tuple(q for q, f in zip(every, forms, strict=True) if f not in AUXILIARY_FORMS)
    return state, len(every), manifest.counts.rejected, asked, chunks


def _orphan(config: Config, leaf_id: str) -> LeafCoverage:
    rel = config.rel(store.leaf_dir(config, leaf_id))
    try:
        data = _parse(config, leaf_id, store.leaf_files(config, leaf_id))
    except LabtaxError as exc:
        return LeafCoverage(leaf_id, rel, None, 0, 0, 0, "orphaned", exc.render())
    kept = len(data.samples) if data else 0
    rejected = len(data.rejected) if data else 0
    kind = data.manifest.kind if data and data.manifest else None
    return LeafCoverage(leaf_id, rel, kind, 0, kept, rejected, "orphaned")


def _parse(config: Config, leaf_id: str, files: dict[str, bytes]) -> LeafData | None:
    if not files:
        return None
    return reader.parse_leaf(leaf_id, files, config.rel(store.leaf_dir(config, leaf_id)))


def build_tree(items: Iterable[LeafCoverage]) -> TreeNode:
    """Fold leaf ids (`a/b/c`) into a tree; a leaf may also have leaves below it."""
    root: dict[str, Any] = {}
    for item in items:
        node = root
        for part in item.leaf_id.split("/"):
            node = node.setdefault(part, {})
        node[""] = item
    return _node("", "", root)


def _node(name: str, path: str, table: dict[str, Any]) -> TreeNode:
    leaf = table.get("")
    children = tuple(
        _node(key, f"{path}/{key}" if path else key, value)
        for key, value in sorted(table.items())
        if key
    )
    return TreeNode(name, path, children, leaf if isinstance(leaf, LeafCoverage) else None)

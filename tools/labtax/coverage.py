"""Per-leaf coverage of the taxonomy: seeds, kept samples, rejections, data freshness, the
diversity of the kept questions and, when a student is named, how it scores on the leaf.

The taxonomy is folded into a tree whose inner nodes total their subtree, so a curator sees at a
glance which branches are thin. Problems (a leaf that does not load, damaged generated data) are
recorded on the leaf rather than raised, so one bad file does not hide the rest of the overview.
Diversity is computed the first time it is asked for (`labtax.diversity`, which loads rapidfuzz),
so building the tree stays cheap; a branch's figures are over all its leaves' questions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from labtax import inputs, leaves, yamldoc
from labtax.config import Config
from labtax.dataset import reader, status, store
from labtax.dataset.records import LeafData, rejection_rate
from labtax.dataset.status import DataState
from labtax.errors import LabtaxError
from labtax.evaluation import store as evaluations
from labtax.evaluation.records import NOT_EVALUATED, LeafEvaluation, mean

if TYPE_CHECKING:
    from labtax.diversity import Diversity

STATUSES: tuple[DataState, ...] = ("fresh", "stale", "missing", "invalid", "orphaned")


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
    questions: tuple[str, ...] = field(default=(), repr=False, compare=False)  # kept questions
    evaluation: LeafEvaluation | None = None  # the named student's, when it has one
    # A knowledge leaf's document chunks: (those its kept samples come from, all of them).
    chunks: tuple[int, int] | None = None

    @property
    def rejection_rate(self) -> float | None:
        return rejection_rate(self.rejected, self.kept)

    @cached_property
    def diversity(self) -> Diversity:
        from labtax.diversity import diversity

        return diversity(self.questions)

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
            "student": _student_figures(self.evaluation),
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
    def diversity(self) -> Diversity:
        """The figures over every kept question of the subtree's leaves."""
        from labtax.diversity import diversity

        items = [i for i in self.leaves() if i.status != "orphaned"]
        return diversity([q for i in items for q in i.questions])

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
        return any(leaf.problem for leaf in self.leaves())


def coverage(config: Config, student: str | None = None) -> list[LeafCoverage]:
    """Every leaf of the taxonomy, plus generated data whose leaf no longer exists, by leaf id;
    with `student`, each leaf carries that student's stored evaluation (when it has one)."""
    scored: Mapping[str, LeafEvaluation] = (
        evaluations.load_student(config, student) if student else {}
    )
    found: dict[str, LeafCoverage] = {}
    for path in leaves.discover(config):
        if path.name == leaves.LEAF_NAME:
            item = _leaf_coverage(config, path)
            found[item.leaf_id] = replace(item, evaluation=scored.get(item.leaf_id))
    for leaf_id in store.stored_leaf_ids(config):
        if leaf_id not in found:
            found[leaf_id] = _orphan(config, leaf_id)
    return [found[k] for k in sorted(found)]


def _student_figures(evaluation: LeafEvaluation | None) -> dict[str, Any] | None:
    if evaluation is None:
        return None
    return {
        "model": evaluation.student.model,
        "judge": evaluation.judge.model,
        "status": evaluation.status,
        "mean_score": evaluation.mean_score,
        "evaluated": evaluation.evaluated,
        "failed": evaluation.failed,
        "reason": evaluation.reason,
    }


def _leaf_coverage(config: Config, path: Path) -> LeafCoverage:
    rel = config.rel(path)
    leaf_id = leaves.leaf_id_of(config, path) or path.parent.as_posix()
    try:
        leaf = leaves.load_file(config, path)
    except yamldoc.LoadProblem as problem:
        where = f"{rel}:{problem.line}:{problem.col or 1}" if problem.line else rel
        return LeafCoverage(leaf_id, rel, None, 0, 0, 0, "invalid", f"{where}: {problem.message}")
    kind, seeds = leaf.kind.value, leaf.seed_count
    try:
        files = store.leaf_files(config, leaf_id)
        data = _parse(config, leaf_id, files)
    except LabtaxError as exc:
        if isinstance(exc, reader.DamagedData) and exc.outdated:
            # Data of an older format is not damage: it is stale, and the next run replaces it.
            return LeafCoverage(leaf_id, rel, kind, seeds, 0, 0, "stale")
        return LeafCoverage(leaf_id, rel, kind, seeds, 0, 0, "invalid", exc.render())
    manifest = data.manifest if data else None
    # The inputs hash is only worth computing (it reads local documents) against a manifest.
    expected = inputs.inputs_hash(config, leaf) if manifest else ""
    state = status.state_of(files, manifest, expected)
    kept, rejected = (len(data.samples), len(data.rejected)) if data else (0, 0)
    asked = tuple(s.question for s in data.samples) if data else ()
    return LeafCoverage(
        leaf_id, rel, kind, seeds, kept, rejected, state, questions=asked, chunks=_chunks(data)
    )


def _chunks(data: LeafData | None) -> tuple[int, int] | None:
    """How many of a knowledge leaf's chunks its kept samples come from, of how many."""
    if data is None or data.manifest is None or not data.manifest.documents:
        return None
    total = sum(use.chunks for use in data.manifest.documents)
    used = {(s.provenance.document, s.provenance.chunk) for s in data.samples}
    return len(used), total


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

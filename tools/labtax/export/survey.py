"""The first pass of an export: which leaves there are, the state of their data, the test side.

`survey(config, recipe, allow_stale)` loads every leaf of the taxonomy (a leaf that does not load
is an error: run `labtax validate`), checks that each one's generated data is fresh (stale or
missing data is an error naming the leaves, unless `allow_stale`, which goes on with what is
there and records it), then streams the leaves' data once, one leaf at a time, to:
- split each leaf (`split.split_leaf`) and write the test rows, its seeds and held-out
  questions, to the test file of its phase (keeping only their user turns and counts);
- offer each knowledge leaf's chunks to the RAFT `ChunkPool`;
- estimate how many bytes of train rows each phase will get (to size the shuffle's buckets);
- gather the teacher models and template hashes of the manifests, for the dataset card.
Damaged data is an error naming the leaf, the file and the line, before any stale leaf is
reported (with or without `allow_stale`); data of an older format is stale.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from labtax import dataset, leaves
from labtax.config import Config
from labtax.dataset import DamagedData, LeafData
from labtax.dataset.records import KNOWLEDGE_QA
from labtax.errors import LabtaxError, Location
from labtax.export.raft import ChunkPool, leaf_chunks
from labtax.export.recipe import LeafWeight, Recipe
from labtax.export.rows import KNOWLEDGE, PHASES, SKILLS, TEST_FILE, MixRow, line, sample_row
from labtax.export.split import LeafSplit, seed_rows, split_leaf
from labtax.inputs import glob_match
from labtax.leaves import Leaf, LeafKind
from labtax.util import plural

_ROW_OVERHEAD = 160  # bytes of a row's line besides its texts: keys, roles, ids


def phase_of(kind: str) -> str:
    """The phase a leaf kind's data trains in."""
    return KNOWLEDGE if kind == LeafKind.KNOWLEDGE.value else SKILLS


@dataclass(frozen=True)
class LeafPlan:
    """A leaf of the taxonomy, the state of its data, and its weight in the mix."""

    leaf: Leaf
    state: str  # fresh | stale | missing | outdated
    weight: float

    @property
    def readable(self) -> bool:
        return self.state in {"fresh", "stale"}


@dataclass
class Survey:
    """What the first pass found. The test rows are in their files already: `turns` holds
    their user turns and `test_ids` their ids (for decontamination), `tests` their counts by
    (phase, leaf, source)."""

    plans: tuple[LeafPlan, ...]
    turns: list[str] = field(default_factory=list)
    test_ids: set[str] = field(default_factory=set)
    tests: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    pool: ChunkPool = field(default_factory=lambda: ChunkPool(0))
    expected_bytes: dict[str, int] = field(default_factory=lambda: {KNOWLEDGE: 0, SKILLS: 0})
    # Train samples per phase before and after the weights (copies counted), to tell a recipe
    # whose weights leave a phase with data no train rows.
    unweighted: Counter[str] = field(default_factory=Counter)
    weighted: Counter[str] = field(default_factory=Counter)
    teachers: set[str] = field(default_factory=set)
    templates: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    orphaned: tuple[str, ...] = ()


def survey(config: Config, recipe: Recipe, built: Path, *, allow_stale: bool) -> Survey:
    """The first pass over the taxonomy and its data (see the module docstring); the test rows
    are written to `built/<phase>/test.jsonl` as the leaves go by."""
    taxonomy = leaves.load_all(config)
    check_weights(recipe.weights, [leaf.leaf_id for leaf in taxonomy])
    plans = tuple(
        LeafPlan(leaf, _state(config, leaf), leaf_weight(leaf.leaf_id, recipe.weights))
        for leaf in taxonomy
    )
    behind = [p for p in plans if p.state != "fresh"]
    if behind and not allow_stale:
        listed = ", ".join(f"{p.leaf.leaf_id} ({p.state})" for p in behind[:10])
        more = f" and {len(behind) - 10} more" if len(behind) > 10 else ""
        raise LabtaxError(
            f"the generated data of {plural(len(behind), 'leaf', 'leaves')} is not up to date: "
            f"{listed}{more}",
            hint="run `labtax generate` first, or pass --allow-stale to export the data there is "
            "(the dataset card says which leaves were stale)",
            location=Location(config.rel(config.generated)),
        )
    known = {leaf.leaf_id for leaf in taxonomy}
    orphaned = tuple(i for i in dataset.stored_leaf_ids(config) if i not in known)
    found = Survey(plans, pool=ChunkPool(recipe.seed), orphaned=orphaned)
    with contextlib.ExitStack() as stack:
        files = {phase: stack.enter_context(_test_file(built, phase)) for phase in PHASES}
        for plan, data in leaf_data(config, plans):
            held = [(phase_of(plan.leaf.kind.value), row) for row in seed_rows(plan.leaf)]
            if data is not None:
                split = plan_split(data, plan, recipe)
                held += [(phase_of(s.kind), sample_row(s)) for s in split.test]
                _estimate(found, split, recipe)
                _count_train(found, data, split)
                _provenance(found, data)
                if any(s.kind == LeafKind.KNOWLEDGE.value for s in data.samples):
                    found.pool.offer(plan.leaf.leaf_id, leaf_chunks(data.samples, recipe.seed))
            # Leaves come in id order: sorting each leaf's rows sorts the files.
            for phase, row in sorted(held, key=lambda pair: _row_order(pair[1])):
                files[phase].write(line(row, recipe.system_prompt, recipe.knowledge_short_tokens))
                found.turns.extend(row.user_turns)
                found.test_ids.add(row.id)
                found.tests[phase, row.leaf, row.source] += 1
    check_phases(found, recipe)
    return found


def check_phases(found: Survey, recipe: Recipe) -> None:
    """A phase whose leaves have train samples must keep some once weighted: weights that
    leave it none are ratios that cannot be met."""
    for phase in PHASES:
        if found.unweighted[phase] and not found.weighted[phase]:
            raise LabtaxError(
                f"the recipe's weights leave the {phase} phase no train rows, though its leaves "
                f"have {plural(found.unweighted[phase], 'train sample')}: ratios that cannot "
                "be met",
                hint=f"give some {phase} leaves a weight that keeps a sample (weight x samples "
                "rounds to 1 or more), or remove the weights that zero them",
                location=recipe.where("weights"),
            )


def _count_train(found: Survey, data: LeafData, split: LeafSplit) -> None:
    held = {s.id for s in split.test}
    for sample in data.samples:
        if sample.id not in held:
            found.unweighted[phase_of(sample.kind)] += 1
    for sample, copies in split.train:
        found.weighted[phase_of(sample.kind)] += copies


def _test_file(built: Path, phase: str) -> TextIO:
    path = built / phase / TEST_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w", encoding="utf-8", newline="\n")


def _row_order(row: MixRow) -> tuple[str, str, str, str, tuple[tuple[str, str], ...]]:
    return (row.leaf, row.source, row.form, row.id, row.turns)


def _provenance(found: Survey, data: LeafData) -> None:
    """The teacher model and template hashes of a leaf's manifest, for the card."""
    if data.manifest is not None:
        found.teachers.add(data.manifest.teacher.model)
        for name, digest in data.manifest.templates.items():
            found.templates[name].add(digest)


def plan_split(data: LeafData, plan: LeafPlan, recipe: Recipe) -> LeafSplit:
    """The split of a leaf's data with the recipe's settings (the same in every pass)."""
    return split_leaf(
        data.samples,
        seed=recipe.seed,
        fraction=recipe.test_fraction,
        minimum=recipe.test_min,
        weight=plan.weight,
        cap=recipe.max_per_leaf,
    )


def leaf_data(
    config: Config, plans: Sequence[LeafPlan]
) -> Iterator[tuple[LeafPlan, LeafData | None]]:
    """Each leaf with its data read (one leaf in memory at a time); None when there is none
    to read. Damaged data is an error naming the leaf."""
    readable = [p for p in plans if p.readable]
    stream = dataset.iter_leaves(config, [p.leaf.leaf_id for p in readable])
    data = iter(stream)
    for plan in plans:
        if not plan.readable:
            yield plan, None
            continue
        try:
            read = next(data)
        except DamagedData as exc:
            raise damaged(plan.leaf.leaf_id, exc) from exc
        yield plan, read


def damaged(leaf_id: str, problem: DamagedData) -> LabtaxError:
    """The error for a leaf's damaged data, at the file and line the reader found."""
    return LabtaxError(
        f"the generated data of leaf {leaf_id} is damaged: {problem.message}",
        hint=problem.hint,
        location=problem.location,
    )


def leaf_weight(leaf_id: str, weights: Sequence[LeafWeight]) -> float:
    """The weight of the most specific (longest) pattern matching the leaf; 1 when none does."""
    matching = [w for w in weights if matches(w.pattern, leaf_id)]
    if not matching:
        return 1.0
    return max(matching, key=lambda w: (len(w.pattern), w.pattern)).weight


def matches(pattern: str, leaf_id: str) -> bool:
    """A weight pattern matches a leaf id it globs, and every leaf below a branch it globs."""
    return glob_match(pattern, leaf_id) or glob_match(pattern + "/**", leaf_id)


def check_weights(weights: Sequence[LeafWeight], leaf_ids: Sequence[str]) -> None:
    """A weight pattern that matches no leaf is a typo, or a leaf since removed."""
    for weight in weights:
        if not any(matches(weight.pattern, leaf_id) for leaf_id in leaf_ids):
            raise LabtaxError(
                f"the weight pattern {weight.pattern!r} matches no leaf of the taxonomy",
                hint="fix the pattern, or remove it",
                location=weight.where,
            )


def _state(config: Config, leaf: Leaf) -> str:
    state = dataset.freshness(config, leaf)
    if state == "stale" and _outdated(config, leaf.leaf_id):
        return "outdated"
    return state


def _outdated(config: Config, leaf_id: str) -> bool:
    """Whether a stale leaf's data is of another format. Damaged data (which freshness calls
    stale too) is an error at the file and line, not a stale leaf --allow-stale would pass."""
    try:
        dataset.read_leaf(config, leaf_id)
    except DamagedData as exc:
        if exc.outdated:
            return True
        raise damaged(leaf_id, exc) from exc
    return False


def _estimate(found: Survey, split: LeafSplit, recipe: Recipe) -> None:
    """Add the bytes a leaf's train rows will take to its phase's estimate."""
    system = len(recipe.system_prompt.encode("utf-8"))
    for sample, copies in split.train:
        texts = len(sample.question) + len(sample.answer) + system + _ROW_OVERHEAD
        if sample.form == KNOWLEDGE_QA:
            # closed book, with its chunk, and a RAFT row of several chunks
            chunks = 1 + recipe.raft.distractors
            size = 3 * texts + len(sample.context) * (1 + chunks)
        else:
            size = texts + len(sample.context)
        found.expected_bytes[phase_of(sample.kind)] += size * copies

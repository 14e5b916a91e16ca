"""`export_mix`: LAB's phased-training mix, built from `generated/` in bounded memory.

Passes over the data, each streaming one leaf (or one bucket) at a time:
1. `survey`: leaves, freshness, the split and the test files, the RAFT chunk pool, estimates;
2. train rows: each leaf is read again and its train samples become rows (`rows_of`): skills as
   they are; knowledge closed book, with its chunk (`knowledge_qa_grounded`), as a RAFT row, and
   the auxiliary forms as they are. Every row whose user turn is a test turn (`HeldOutTurns`),
   or whose question is one (its grounded and RAFT rows too), is dropped and counted; the rest
   go to their phase's `Shuffle`, knowledge rows tagged with a replay key. Outside datasets
   (`replay`) follow, at their ratio of the phase, each row dropped and counted when it carries
   a test row's id or a user turn that is, ends with or holds a test turn;
3. the knowledge shuffles are written out, the short rows' first and then the long ones' (LAB
   tunes knowledge on short samples, then long ones: `length`), replaying the rows with the
   lowest replay keys into the skills phase (`knowledge_replay` of the phase, more when
   `min_knowledge_share` needs it); then the skills shuffle, Parquet copies, the resolved recipe
   and the card.
The mix is built beside OUT and replaces it only when complete (`output`).
"""

from __future__ import annotations

import itertools
import math
import shutil
from array import array
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TextIO

from labtax import __version__, gitio
from labtax.config import Config
from labtax.dataset.records import CONTEXT_IN_TURN, KNOWLEDGE_QA, Sample
from labtax.errors import LabtaxError
from labtax.export import card, output, replay, seeded
from labtax.export.decontamination import HeldOutTurns
from labtax.export.raft import ChunkPool, leaf_chunks, raft_turn
from labtax.export.recipe import RESOLVED_NAME, Recipe, resolved_text
from labtax.export.rows import (
    GENERATED,
    GROUNDED_VARIANT,
    KNOWLEDGE,
    KNOWLEDGE_REPLAY,
    PHASES,
    RAFT_VARIANT,
    SEED,
    SHORT,
    SKILLS,
    MixRow,
    as_knowledge_replay,
    length_of,
    line,
    sample_row,
)
from labtax.export.shuffle import Shuffle, bucket_count
from labtax.export.survey import (
    LeafPlan,
    Survey,
    leaf_data,
    phase_of,
    plan_split,
)
from labtax.export.survey import survey as first_pass
from labtax.export.tally import InputsState, LeafTally, MixSummary, PhaseTally
from labtax.util import write_atomic


def export_mix(
    config: Config, out: Path, recipe: Recipe, *, allow_stale: bool = False
) -> MixSummary:
    """Build the mix described by `recipe` at `out` (see the module docstring)."""
    output.check_out(config, out)
    with output.staging(out) as built:
        found = first_pass(config, recipe, built, allow_stale=allow_stale)
        build = _Build(config, recipe, found, built)
        build.train_rows()
        build.outside_replay()
        build.write(out)
        summary = build.summary(out, _inputs_state(config))
        write_atomic(built / output.CARD, card.render(summary, built), sync=False)
        output.replace(built, out)
    return summary


@dataclass
class _LeafCount:
    train: int = 0
    dropped: int = 0
    replayed: int = 0


class _Build:
    """The state of one export between its passes."""

    def __init__(self, config: Config, recipe: Recipe, found: Survey, built: Path) -> None:
        self.config = config
        self.recipe = recipe
        self.found = found
        self.built = built
        self.index = HeldOutTurns(found.turns, recipe.decontamination)
        found.turns.clear()  # the index has what it needs of them
        self.test_ids = found.test_ids
        work = built / ".buckets"
        ratios = {p: sum(s.ratios[p] for s in recipe.replay) for p in PHASES}
        expected = dict(found.expected_bytes)
        expected[SKILLS] += int(expected[KNOWLEDGE] * recipe.knowledge_replay)
        self.shuffles = {
            p: Shuffle(work / p, bucket_count(int(expected[p] * (1 + ratios[p])))) for p in PHASES
        }
        # Short knowledge rows are shuffled apart, to be written before the long ones.
        self.short = Shuffle(work / "knowledge-short", self.shuffles[KNOWLEDGE].buckets)
        self.short_rows = 0  # the knowledge train file's first rows, the short ones
        self.leaves = {plan.leaf.leaf_id: _LeafCount() for plan in found.plans}
        self.order = [plan.leaf.leaf_id for plan in found.plans]
        self.train: dict[str, Counter[str]] = {p: Counter() for p in PHASES}
        self.forms: dict[str, Counter[str]] = {p: Counter() for p in PHASES}
        self.dropped: dict[str, Counter[str]] = {p: Counter() for p in PHASES}
        # The replay key of every knowledge row and the index of its leaf, to count replays.
        self.replay_keys = array("Q")
        self.replay_leaves = array("I")
        self.replayed = 0  # knowledge rows replayed into skills, once `outside_replay` knows

    # -----------------------------------------------------------------------------------------
    # Pass 2: train rows

    def train_rows(self) -> None:
        for position, (plan, data) in enumerate(leaf_data(self.config, self.found.plans)):
            if data is None:
                continue
            split = plan_split(data, plan, self.recipe)
            own = leaf_chunks(data.samples, self.recipe.seed)
            for sample, copies in split.train:
                # A question that is a test turn leaks through every row that holds it: closed
                # book, and also with its chunk or RAFT documents in front of it.
                leaked = self.index.match((sample.question,)) is not None
                for copy in range(copies):
                    for row, parts in rows_of(sample, copy, own, self.found.pool, self.recipe):
                        self._add(position, plan, row, parts, copy, leaked=leaked)

    def _add(
        self,
        position: int,
        plan: LeafPlan,
        row: MixRow,
        parts: tuple[str, ...],
        copy: int,
        *,
        leaked: bool,
    ) -> None:
        phase = phase_of(row.kind)
        count = self.leaves[plan.leaf.leaf_id]
        # A one-part turn is the question itself, matched already.
        if leaked or (len(parts) > 1 and self.index.match(parts) is not None):
            self.dropped[phase][row.source] += 1
            count.dropped += 1
            return
        seed = self.recipe.seed
        key = seeded.key(seed, "shuffle", phase, row.leaf, row.id, row.form, copy)
        tag = 0
        if phase == KNOWLEDGE:
            # Replay keys start at 1: 0 tags the rows that are never replayed.
            tag = (seeded.key(seed, "replay", row.leaf, row.id, row.form, copy) >> 1) + 1
            self.replay_keys.append(tag)
            self.replay_leaves.append(position)
        shuffle = self._shuffle(phase, row)
        shuffle.add(key, self._line(row), tag)
        self.short_rows += 1 if shuffle is self.short else 0
        self.train[phase][row.source] += 1
        self.forms[phase][row.form] += 1
        count.train += 1

    def _line(self, row: MixRow) -> str:
        return line(row, self.recipe.system_prompt, self.recipe.knowledge_short_tokens)

    def _shuffle(self, phase: str, row: MixRow) -> Shuffle:
        short = length_of(row, self.recipe.knowledge_short_tokens) == SHORT
        return self.short if phase == KNOWLEDGE and short else self.shuffles[phase]

    # -----------------------------------------------------------------------------------------
    # Outside datasets, and how much knowledge the skills phase replays

    def replay_count(self) -> int:
        """Knowledge rows replayed into skills: the recipe's share, or more for the minimum."""
        knowledge = sum(self.train[KNOWLEDGE].values())
        skills = sum(self.train[SKILLS].values())
        wanted = seeded.half_up(self.recipe.knowledge_replay * knowledge)
        share = Fraction(repr(self.recipe.min_knowledge_share))
        if share and skills:
            if not knowledge:
                raise LabtaxError(
                    f"min_knowledge_share {self.recipe.min_knowledge_share} cannot be met: "
                    "the mix has no knowledge rows",
                    hint="add knowledge leaves and generate their data, or set it to 0",
                    location=self.recipe.where("min_knowledge_share"),
                )
            wanted = max(wanted, math.ceil(share * skills / (1 - share)))
        return wanted

    def outside_replay(self) -> None:
        self.replayed = self.replay_count()
        bases = {
            KNOWLEDGE: sum(self.train[KNOWLEDGE].values()),
            SKILLS: sum(self.train[SKILLS].values()) + self.replayed,
        }
        seed = self.recipe.seed
        for source in self.recipe.replay:
            for phase in PHASES:
                wanted = seeded.half_up(source.ratios[phase] * bases[phase])
                if not wanted:
                    continue
                path = replay.source_file(source, phase)
                shown = self.config.rel(path)
                rows = replay.load(path, shown, self.built / ".datasets-cache")
                for row, copies, number in replay.draw(
                    rows, source, phase, wanted, seed=seed, shown=shown
                ):
                    if self._held_out(row):
                        self.dropped[phase][row.source] += copies
                        continue
                    text = self._line(row)
                    shuffle = self._shuffle(phase, row)
                    for copy in range(copies):
                        key = seeded.key(seed, "shuffle", phase, row.source, number, copy)
                        shuffle.add(key, text)
                    self.short_rows += copies if shuffle is self.short else 0
                    self.train[phase][row.source] += copies
                    self.forms[phase][row.form] += copies

    def _held_out(self, row: MixRow) -> bool:
        """Whether an outside row carries the test side: a test row's id (a previous mix's row
        of a sample now held out), or a user turn that is a test turn (exactly or nearly), ends
        with one (a grounded or RAFT turn: its last paragraph), or holds one verbatim."""
        if row.id in self.test_ids:
            return True
        for turn in row.user_turns:
            last = turn.rsplit("\n\n", 1)[-1]
            if self.index.match((turn,)) is not None or self.index.contains(turn):
                return True
            if last != turn and self.index.match((last,)) is not None:
                return True
        return False

    # -----------------------------------------------------------------------------------------
    # Pass 3: the files

    def write(self, out: Path) -> None:
        knowledge_rows = len(self.replay_keys)
        rounds, rest = divmod(self.replayed, knowledge_rows) if knowledge_rows else (0, 0)
        threshold = seeded.smallest(self.replay_keys, rest)
        for key, position in zip(self.replay_keys, self.replay_leaves, strict=True):
            self.leaves[self.order[position]].replayed += rounds + (1 if key <= threshold else 0)
        seed = self.recipe.seed
        skills = self.shuffles[SKILLS]
        with self._file(KNOWLEDGE, "train") as handle:
            for tag, text in itertools.chain(self.short.drain(), self.shuffles[KNOWLEDGE].drain()):
                handle.write(text)
                copies = (rounds + (1 if tag <= threshold else 0)) if tag else 0
                for copy in range(copies):
                    key = seeded.key(seed, "shuffle", SKILLS, KNOWLEDGE_REPLAY, tag, copy)
                    skills.add(key, as_knowledge_replay(text))
        if knowledge_rows and self.replayed:
            self.train[SKILLS][KNOWLEDGE_REPLAY] += self.replayed
        with self._file(SKILLS, "train") as handle:
            for _, text in skills.drain():
                handle.write(text)
        if "parquet" in self.recipe.formats:
            for phase in PHASES:
                for split in ("train", "test"):
                    output.parquet_copy(self.built / phase / f"{split}.jsonl")
        write_atomic(self.built / RESOLVED_NAME, resolved_text(self.recipe, out), sync=False)
        _remove_tree(self.built / ".buckets")
        _remove_tree(self.built / ".datasets-cache")

    def _file(self, phase: str, split: str) -> TextIO:
        """A row file of the mix, written through a large buffer."""
        path = self.built / phase / f"{split}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20)

    def summary(self, out: Path, inputs: InputsState) -> MixSummary:
        tallies = []
        for plan in self.found.plans:
            leaf = plan.leaf.leaf_id
            count = self.leaves[leaf]
            phase = phase_of(plan.leaf.kind.value)
            tallies.append(
                LeafTally(
                    leaf,
                    plan.leaf.kind.value,
                    phase,
                    plan.state,
                    count.train,
                    count.replayed,
                    count.dropped,
                    self.found.tests[phase, leaf, SEED],
                    self.found.tests[phase, leaf, GENERATED],
                )
            )
        phases = {
            phase: PhaseTally(
                dict(sorted(self.train[phase].items())),
                _by_source(self.found.tests, phase),
                dict(sorted(self.forms[phase].items())),
                dict(sorted(self.dropped[phase].items())),
                short_first=self.short_rows if phase == KNOWLEDGE else 0,
            )
            for phase in PHASES
        }
        return MixSummary(
            out=self.config.rel(out),
            recipe=self.recipe,
            phases=phases,
            leaves=tuple(tallies),
            teachers=tuple(sorted(self.found.teachers)),
            templates={k: tuple(sorted(v)) for k, v in sorted(self.found.templates.items())},
            inputs=inputs,
            orphaned=self.found.orphaned,
            labtax_version=__version__,
        )


def rows_of(
    sample: Sample, copy: int, own: tuple[str, ...], pool: ChunkPool, recipe: Recipe
) -> Iterator[tuple[MixRow, tuple[str, ...]]]:
    """The train rows of one copy of a sample, each with the parts of its user turn."""
    if sample.form != KNOWLEDGE_QA:
        in_turn = sample.form in CONTEXT_IN_TURN
        yield (
            sample_row(sample),
            (sample.context, sample.question) if in_turn else (sample.question,),
        )
        return
    yield sample_row(sample), (sample.question,)
    grounded = f"{sample.context}\n\n{sample.question}"
    yield (
        sample_row(sample, form=GROUNDED_VARIANT, user=grounded),
        (sample.context, sample.question),
    )
    settings = recipe.raft
    turn = raft_turn(
        sample,
        copy,
        own=own,
        pool=pool,
        seed=recipe.seed,
        p=settings.p,
        distractors=settings.distractors,
    )
    if turn is not None:
        yield sample_row(sample, form=RAFT_VARIANT, user=turn.text), turn.parts


def _by_source(tests: Counter[tuple[str, str, str]], phase: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for (where, _, source), count in tests.items():
        if where == phase:
            counts[source] += count
    return dict(sorted(counts.items()))


def _remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _inputs_state(config: Config) -> InputsState:
    """The commit the inputs are at, and whether the taxonomy or generated/ differ from it."""
    try:
        top = gitio.toplevel(config.root)
        head = gitio.head(cwd=top)
    except LabtaxError:
        return InputsState("", uncommitted=False)
    inside = []
    for path in (config.taxonomy, config.generated):
        try:
            inside.append(path.resolve().relative_to(top.resolve()).as_posix())
        except ValueError:
            continue  # outside the repository: nothing git can say about it
    if not inside:
        return InputsState(head, uncommitted=False)
    changed = gitio.diff_name_status(head, inside, cwd=top, include_untracked=True)
    return InputsState(head, uncommitted=bool(changed))

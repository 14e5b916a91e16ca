"""Volume that means what it says: a leaf's pipeline runs in rounds until its kept samples reach
its target.

A pipeline states its target as kept samples per unit (a skill: its one form; knowledge: every
chunk's pairs and auxiliary forms). Round 1 asks for the target. After each round every candidate
so far goes through the quality filters together (a duplicate of an earlier round's sample is a
duplicate), and the next round asks for each unit's shortfall scaled by the acceptance rate its
form has had so far (kept / asked; never assumed below `MIN_ACCEPTANCE`). Rounds stop when the
target is met, or with the reason the leaf fell short: `max_rounds` spent, `max_calls_per_leaf`
spent, a round in which the teacher produced nothing that passed its
judges (everything unparseable, repeated or rejected), or every short unit having asked for
`MAX_ASKED_PER_TARGET` times its target. A round's calls are bounded before it starts
(`Pipeline.round_calls`), so a leaf never uses more than `max_calls_per_leaf` answers and a rerun
from the cache stops at the same place: a round that would not fit in what is left asks for the
part that does (`fit`: every unit up to a common count, then one more for the first units), keeps
what passes, and the next round, if any fits, goes on from there. Kept samples beyond a unit's
target are rejections (`over_target`, stage `volume`): the best-scored are kept, earlier rounds
first on a tie, then by id.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from labtax import dataset, filters
from labtax.dataset.records import Rejection, Sample
from labtax.leaves import Leaf
from labtax.pipelines.pipeline import (
    Caller,
    LeafMaterial,
    Pipeline,
    PipelineSettings,
    RoundPlan,
    Unit,
    unit_of,
)
from labtax.util import plural

STAGE = "volume"
OVER_TARGET = "over_target"
# A shortfall is asked for at most 1 / MIN_ACCEPTANCE times over in one round.
MIN_ACCEPTANCE = 0.25
# A unit never asks for more candidates over all its rounds than this many per sample of target.
MAX_ASKED_PER_TARGET = 3


@dataclass(frozen=True)
class LeafYield:
    """A leaf's kept samples (at most its target per unit), every rejection, and its volume."""

    kept: tuple[Sample, ...]
    rejected: tuple[Rejection, ...]
    volume: dataset.Volume


def leaf_call_bound(pipeline: Pipeline, material: LeafMaterial, settings: PipelineSettings) -> int:
    """The most teacher answers a leaf's rounds can use: every unit asking for
    `MAX_ASKED_PER_TARGET` times its target, spread over `max_rounds` rounds, within
    `max_calls_per_leaf`. A run reserves this much of a limited budget for the leaf."""
    targets = pipeline.targets(material, settings)
    limits = settings.generation
    everything = {unit: MAX_ASKED_PER_TARGET * target for unit, target in targets.items()}
    # Each later round adds at most one partly filled batch per stage and unit.
    per_round = pipeline.round_calls(dict.fromkeys(targets, 1))
    bound = pipeline.round_calls(everything) + (limits.max_rounds - 1) * per_round
    return min(bound, limits.max_calls_per_leaf)


async def generate(
    leaf: Leaf,
    pipeline: Pipeline,
    material: LeafMaterial,
    caller: Caller,
    settings: PipelineSettings,
) -> LeafYield:
    """Run `pipeline`'s rounds for `leaf` until its target is met or a bound stops it."""
    work = _Rounds(leaf, pipeline, material, caller, settings)
    targets = work.targets
    stop = await work.run()
    kept, surplus = cap(work.kept, targets)
    rejected = (*work.pipeline_rejected, *work.dropped, *surplus)
    goal = sum(targets.values())
    shortfall = (
        ""
        if len(kept) >= goal
        else f"kept {len(kept)} of {goal} samples after {plural(work.rounds, 'round')}: {stop}"
    )
    volume = dataset.Volume(goal, len(kept), work.rounds, shortfall)
    return LeafYield(tuple(kept), rejected, volume)


class _Rounds:
    """One leaf's rounds: what was asked, what came back and what the filters keep."""

    def __init__(
        self,
        leaf: Leaf,
        pipeline: Pipeline,
        material: LeafMaterial,
        caller: Caller,
        settings: PipelineSettings,
    ) -> None:
        self.leaf = leaf
        self.pipeline = pipeline
        self.material = material
        self.caller = caller
        self.limits = settings.generation
        self.targets = pipeline.targets(material, settings)
        self.rounds = 0
        self.candidates: list[Sample] = []
        self.pipeline_rejected: list[Rejection] = []
        self.kept: list[Sample] = []
        self.dropped: list[Rejection] = []
        self.asked: Counter[Unit] = Counter()

    async def run(self) -> str:
        """Rounds until the target is met (""), else the reason the leaf stopped short."""
        while True:
            have = Counter(unit_of(s) for s in self.kept)
            short = {u: t - have[u] for u, t in sorted(self.targets.items()) if have[u] < t}
            if not short:
                return ""
            if self.rounds >= self.limits.max_rounds:
                return f"max_rounds ({self.limits.max_rounds}) reached"
            asks = self.asks(short)
            if not asks:
                return f"every short part has asked for {MAX_ASKED_PER_TARGET}x its target"
            left = self.limits.max_calls_per_leaf - self.caller.answers
            fitted = fit(asks, left, self.pipeline.round_calls)
            if not fitted:
                return (
                    f"max_calls_per_leaf ({self.limits.max_calls_per_leaf}) spent:"
                    f" {plural(max(left, 0), 'teacher answer')} left, too few for any part of the"
                    " next round"
                )
            if not await self.round(fitted):
                return (
                    f"round {self.rounds}: the teacher produced nothing new that passed its judges"
                )

    def asks(self, short: Mapping[Unit, int]) -> dict[Unit, int]:
        """How many candidates each short unit asks for this round."""
        kept_by_form = Counter(form for _, form in map(unit_of, self.kept))
        asked_by_form: Counter[str] = Counter()
        for (_, form), count in self.asked.items():
            asked_by_form[form] += count
        out: dict[Unit, int] = {}
        for unit, missing in short.items():
            form = unit[1]
            rate = kept_by_form[form] / asked_by_form[form] if asked_by_form[form] else 1.0
            wanted = (
                1
                if form in self.pipeline.single
                else math.ceil(missing / max(rate, MIN_ACCEPTANCE))
            )
            allowance = MAX_ASKED_PER_TARGET * self.targets[unit] - self.asked[unit]
            if min(wanted, allowance) > 0:
                out[unit] = min(wanted, allowance)
        return out

    async def round(self, asks: Mapping[Unit, int]) -> bool:
        """Run one round; whether it produced any candidate that passed the pipeline's stages."""
        self.rounds += 1
        seen = frozenset(
            [(c.context, c.question) for c in self.candidates]
            + [(r.context, r.question) for r in self.pipeline_rejected]
        )
        plan = RoundPlan(self.rounds, dict(asks), seen)
        outcome = await self.pipeline.run_round(self.leaf, self.material, self.caller, plan)
        self.asked.update(asks)
        self.candidates.extend(outcome.candidates)
        self.pipeline_rejected.extend(outcome.rejected)
        kept, dropped = filters.apply(
            self.candidates,
            seeds=self.leaf.seed_pairs,
            allowed_text=self.material.allowed_text,
            context_scoped=self.pipeline.context_scoped,
            source_text=self.material.source_text,
        )
        self.kept, self.dropped = kept, dropped
        return bool(outcome.candidates)


def fit(
    asks: Mapping[Unit, int], left: int, round_calls: Callable[[Mapping[Unit, int]], int]
) -> dict[Unit, int]:
    """The most of `asks` whose calls (`round_calls`, an upper bound) fit in `left`: all of it when
    it fits; else every unit up to one common count (the largest that fits), and one more each for
    the first units in order (chunk, form) while that fits. Empty when not even one candidate of
    the first unit fits. Deterministic, and spread over the units rather than spent on the first."""
    if round_calls(asks) <= left:
        return dict(asks)

    def level(count: int) -> dict[Unit, int]:
        return {unit: min(n, count) for unit, n in asks.items() if min(n, count) > 0}

    fits, over = 0, max(asks.values())  # level `fits` fits, level `over` does not
    while over - fits > 1:
        middle = (fits + over) // 2
        fits, over = (middle, over) if round_calls(level(middle)) <= left else (fits, middle)
    growing = [unit for unit in sorted(asks) if asks[unit] > fits]

    def first(count: int) -> dict[Unit, int]:
        return {**level(fits), **dict.fromkeys(growing[:count], fits + 1)}

    taken, too_many = 0, len(growing)  # the first `taken` fit, all `growing` do not
    while too_many - taken > 1:
        middle = (taken + too_many) // 2
        taken, too_many = (
            (middle, too_many) if round_calls(first(middle)) <= left else (taken, middle)
        )
    return first(taken)


def cap(
    kept: Sequence[Sample], targets: Mapping[Unit, int]
) -> tuple[list[Sample], list[Rejection]]:
    """At most each unit's target of samples: the best-scored, earlier rounds first on a tie,
    then by id; the rest as `over_target` rejections."""
    ranked = sorted(kept, key=lambda s: (-s.score, s.provenance.round, s.id))
    taken: Counter[Unit] = Counter()
    out: list[Sample] = []
    surplus: list[Rejection] = []
    for sample in ranked:
        unit = unit_of(sample)
        target = targets.get(unit, 0)
        if taken[unit] < target:
            taken[unit] += 1
            out.append(sample)
        else:
            detail = f"its part of the leaf already has its target of {target} kept samples"
            surplus.append(sample.reject(STAGE, OVER_TARGET, detail))
    return out, surplus

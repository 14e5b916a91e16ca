"""Rounds until a leaf's kept samples reach its target: shortfalls scaled by the acceptance seen,
filters across every round, the surplus capped, and each way a leaf can fall short."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

import projects
from labtax.config import GenerationConfig
from labtax.dataset.records import Call, Provenance, Sample
from labtax.generation import rounds
from labtax.pipelines import auxiliary, freeform, knowledge
from labtax.pipelines.pipeline import (
    Caller,
    LeafMaterial,
    Outcome,
    Pipeline,
    PipelineSettings,
    RoundPlan,
    seeds_only,
    skill_targets,
)

UNIT = (-1, "instruction")


class Scripted:
    """A pipeline whose rounds make `asked` candidates each, of which those `keep(i)` says are
    well formed (the others are empty, which the filters reject); records every plan."""

    def __init__(self, keep=lambda i: True, score=lambda i: 3, calls=2) -> None:
        self.keep, self.score, self.calls = keep, score, calls
        self.plans: list[RoundPlan] = []
        self.made = 0

    async def run_round(self, leaf, material, caller, plan):
        self.plans.append(plan)
        out = []
        for (_chunk, form), count in sorted(plan.asks.items()):
            for _ in range(count):
                i = self.made
                self.made += 1
                await caller.ask("skill_answer", [{"role": "user", "content": f"q{i}"}])
                question = f"Question number {i} about something quite different?"
                answer = f"Answer {i}." if self.keep(i) else ""
                made = Provenance((Call("skill_answer", f"{i:064d}"),), plan.number)
                out.append(
                    Sample(
                        leaf.leaf_id,
                        leaf.kind.value,
                        form,
                        "",
                        question,
                        answer,
                        self.score(i),
                        made,
                    )
                )
        return Outcome(tuple(out), ())

    def pipeline(self, **changes) -> Pipeline:
        return Pipeline(
            material=seeds_only,
            targets=skill_targets("instruction"),
            round_calls=lambda asks: sum(asks.values()),
            estimated_prompt=lambda leaf, material: [],
            run_round=self.run_round,
            **changes,
        )


def _generate(leaf, scripted, pipeline=None, **limits):
    settings = PipelineSettings(GenerationConfig(**{"samples_per_leaf": 10, **limits}))
    caller = Caller(projects.AgreeableTeacher())
    material = LeafMaterial(leaf.text)
    pipeline = pipeline or scripted.pipeline()
    return asyncio.run(rounds.generate(leaf, pipeline, material, caller, settings)), caller


def test_rounds_ask_for_the_shortfall_scaled_by_the_acceptance_seen(sample_leaves):
    # Every other candidate is empty: half are kept.
    scripted = Scripted(keep=lambda i: i % 2 == 0)
    outcome, _ = _generate(sample_leaves["freeform"], scripted)
    assert [p.asks for p in scripted.plans] == [{UNIT: 10}, {UNIT: 10}]
    assert [p.number for p in scripted.plans] == [1, 2]
    assert outcome.volume == rounds.dataset.Volume(10, 10, 2, "")
    assert len(outcome.kept) == 10
    assert {s.provenance.round for s in outcome.kept} == {1, 2}
    # The rejections of every round are kept, with the filters' reasons.
    assert [r.reason for r in outcome.rejected] == ["empty"] * 10
    # A later round knows what earlier rounds asked.
    assert len(scripted.plans[1].seen) == 10


def test_a_shortfall_is_never_scaled_beyond_the_lowest_acceptance(sample_leaves):
    scripted = Scripted(keep=lambda i: i == 0)
    _generate(sample_leaves["freeform"], scripted, max_rounds=2)
    # Round 1 kept 1 of 10: 9 short, asked for at most 1 / MIN_ACCEPTANCE times over.
    assert scripted.plans[1].asks == {UNIT: min(36, 20)}


def test_samples_beyond_the_target_are_over_target_rejections_best_scores_first(sample_leaves):
    class Generous(Scripted):
        async def run_round(self, leaf, material, caller, plan):
            more = replace(plan, asks={u: n + 3 for u, n in plan.asks.items()})
            return await super().run_round(leaf, material, caller, more)

    scripted = Generous(score=lambda i: 3 if i % 3 else 2)
    outcome, _ = _generate(sample_leaves["freeform"], scripted)
    assert len(outcome.kept) == 10
    surplus = [r for r in outcome.rejected if r.reason == "over_target"]
    assert len(surplus) == 3
    assert {r.stage for r in surplus} == {"volume"}
    # The lowest-scored are the ones left out.
    assert {r.score for r in surplus} == {2}
    assert sorted(s.score for s in outcome.kept) == [2, 2] + [3] * 8
    assert outcome.volume == rounds.dataset.Volume(10, 10, 1, "")


class Repeating(Scripted):
    """Round 2 repeats round 1's first sample word for word."""

    first: Sample | None = None

    async def run_round(self, leaf, material, caller, plan):
        done = await super().run_round(leaf, material, caller, plan)
        if self.first is None:
            self.first = done.candidates[0]
        if plan.number != 2:
            return done
        again = replace(self.first, provenance=replace(self.first.provenance, round=2))
        return Outcome((*done.candidates, again), ())


def test_filters_apply_across_rounds(sample_leaves):
    scripted = Repeating(keep=lambda i: i < 8 or i >= 10)
    outcome, _ = _generate(sample_leaves["freeform"], scripted)
    duplicates = [r for r in outcome.rejected if r.reason == "exact_duplicate"]
    assert [(r.question, r.provenance.round) for r in duplicates] == [(scripted.first.question, 2)]
    assert len({s.id for s in outcome.kept}) == len(outcome.kept) == 10


class Exhausted(Scripted):
    """From round 2 on, the teacher's answers are all unusable: nothing passes."""

    async def run_round(self, leaf, material, caller, plan):
        done = await super().run_round(leaf, material, caller, plan)
        if plan.number == 1:
            return done
        return Outcome(
            (), tuple(s.reject("skill_questions", "unparseable") for s in done.candidates)
        )


@pytest.mark.parametrize(
    ("limits", "keep", "shortfall"),
    [
        (
            {"max_rounds": 1},
            lambda i: i < 4,
            "kept 4 of 10 samples after 1 round: max_rounds (1) reached",
        ),
        (
            {},
            lambda i: i < 4,
            "kept 4 of 10 samples after 3 rounds: every short part has asked for 3x its target",
        ),
        # A first round larger than the bound asks for what fits (6 of 10) and keeps what passes.
        (
            {"max_calls_per_leaf": 6},
            lambda i: i % 4 == 0,
            "kept 2 of 10 samples after 1 round: max_calls_per_leaf (6) spent: 0 teacher answers"
            " left, too few for any part of the next round",
        ),
        # So does a later one (15 of the 20 it would ask for).
        (
            {"max_calls_per_leaf": 25},
            lambda i: i % 4 == 0,
            "kept 7 of 10 samples after 2 rounds: max_calls_per_leaf (25) spent: 0 teacher"
            " answers left, too few for any part of the next round",
        ),
    ],
)
def test_a_leaf_that_falls_short_says_why(sample_leaves, limits, keep, shortfall):
    scripted = Scripted(keep=keep)
    outcome, caller = _generate(sample_leaves["freeform"], scripted, **limits)
    assert outcome.volume.kept == len(outcome.kept) < 10
    assert outcome.volume.shortfall == shortfall
    if "max_calls_per_leaf" in limits:
        assert caller.answers == limits["max_calls_per_leaf"]


def test_every_unit_stops_asking_at_its_allowance(sample_leaves):
    # A third kept per round: rounds keep adding, until the allowance of 3x the target is spent.
    scripted = Scripted(keep=lambda i: i % 5 == 0)
    outcome, _ = _generate(sample_leaves["freeform"], scripted, max_rounds=10)
    asked = sum(n for p in scripted.plans for n in p.asks.values())
    assert asked == rounds.MAX_ASKED_PER_TARGET * 10
    assert outcome.volume.shortfall.endswith("every short part has asked for 3x its target")


def test_single_forms_ask_for_one_candidate_a_round(sample_leaves):
    scripted = Scripted(keep=lambda i: i >= 2)
    pipeline = scripted.pipeline(single=frozenset({"instruction"}))
    outcome, _ = _generate(
        sample_leaves["freeform"], scripted, pipeline=pipeline, samples_per_leaf=1
    )
    assert [p.asks for p in scripted.plans] == [{UNIT: 1}, {UNIT: 1}, {UNIT: 1}]
    assert outcome.volume.kept == 1


def test_the_cap_is_deterministic_whatever_the_order():
    def sample(n: int, score: int, round_: int) -> Sample:
        made = Provenance((Call("s", "k"),), round_)
        return Sample("l", "freeform_skill", "instruction", "", f"Q{n}?", "A.", score, made)

    kept = [sample(1, 2, 1), sample(2, 3, 2), sample(3, 3, 1), sample(4, 2, 1)]
    first, surplus = rounds.cap(kept, {UNIT: 2})
    again, _ = rounds.cap(list(reversed(kept)), {UNIT: 2})
    assert first == again
    # Best score first, then the earlier round.
    assert [s.question for s in first] == ["Q3?", "Q2?"]
    assert sorted(r.question for r in surplus) == ["Q1?", "Q4?"]


def test_a_round_too_large_for_the_call_bound_is_cut_to_fit_spread_over_the_chunks():
    # 360 chunks of 8 pairs and 3 auxiliary texts: 2880 answers at least, 2000 left.
    asks = {(c, "knowledge_qa"): 8 for c in range(360)}
    asks.update({(c, form): 1 for c in range(360) for form in auxiliary.FORMS})
    fitted = rounds.fit(asks, 2000, knowledge.round_calls)
    assert knowledge.round_calls(asks) > 2000 >= knowledge.round_calls(fitted) > 2000 - 8
    assert all(0 < n <= asks[unit] for unit, n in fitted.items())
    # One candidate each, chunk after chunk (the common level, 0 here, plus one for the first).
    assert set(fitted.values()) == {1}
    assert len({chunk for chunk, _ in fitted}) == 250
    assert rounds.fit(dict(reversed(asks.items())), 2000, knowledge.round_calls) == fitted
    # Room for everything at a common level: every chunk gets its share.
    wide = rounds.fit(asks, 360 * 8, knowledge.round_calls)
    assert {chunk for chunk, _ in wide} == set(range(360))
    # What fits exactly is asked whole; nothing fits: nothing is asked.
    assert rounds.fit(asks, knowledge.round_calls(asks), knowledge.round_calls) == asks
    assert rounds.fit(asks, 2, knowledge.round_calls) == {(0, "atomic_facts"): 1}  # and its judge
    assert rounds.fit(asks, 1, knowledge.round_calls) == {}
    assert rounds.fit(asks, -3, knowledge.round_calls) == {}


def test_a_skill_round_asks_for_as_many_as_its_calls_allow():
    fitted = rounds.fit({UNIT: 50}, 30, freeform.round_calls)
    assert freeform.round_calls(fitted) <= 30 < freeform.round_calls({UNIT: fitted[UNIT] + 1})

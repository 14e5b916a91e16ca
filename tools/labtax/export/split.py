"""The train / test split of one leaf, and how many times each train sample goes into the mix.

Held out for `test`, per leaf:
- every seed example of the leaf (the questions people wrote): a skill's question with its
  context in the user turn when it has one, a knowledge pair closed book;
- of its generated questions (forms `instruction`, `grounded`, `knowledge_qa`), `held_out_count`:
  the recipe's fraction, at least its minimum, never more than half, so the leaf still trains.
  Which ones is seeded: the lowest `key(seed, "test", sample id)`. Grounded questions about one
  context go to the same side together (keyed by the lowest of their ids): their user turns share
  the context, so one held out would make its siblings near-duplicates that decontamination drops
  from train. Groups are taken, in that order, while they bring the held-out count closer to its
  target (the first one always) and the leaf keeps at least half its questions. The auxiliary
  knowledge forms (summaries, facts) are the document's material rather than questions: they
  always train.

Of the train samples, `repeats` gives each one's number of copies from the leaf's weight and the
cap: `half_up(weight * n)` copies in all (at most the cap), whole rounds of the samples first,
then the rest by the lowest `key(seed, "weight", sample id)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from labtax.dataset.records import GROUNDED, INSTRUCTION, KNOWLEDGE_QA, Sample
from labtax.export import seeded
from labtax.export.rows import MixRow, seed_row
from labtax.leaves import Leaf, LeafKind

QUESTION_FORMS = frozenset({INSTRUCTION, GROUNDED, KNOWLEDGE_QA})


@dataclass(frozen=True)
class LeafSplit:
    """One leaf's generated samples on each side, and the copies of each train sample."""

    test: tuple[Sample, ...]
    train: tuple[tuple[Sample, int], ...]  # (sample, copies), copies >= 1


def held_out_count(questions: int, fraction: float, minimum: int) -> int:
    """How many of a leaf's `questions` are held out."""
    return min(max(seeded.half_up(fraction * questions), minimum), questions // 2)


def split_leaf(
    samples: Sequence[Sample],
    *,
    seed: int,
    fraction: float,
    minimum: int,
    weight: float = 1.0,
    cap: int = 0,
) -> LeafSplit:
    """The split of one leaf's samples and the copies of its train samples."""
    questions = [s for s in samples if s.form in QUESTION_FORMS]
    wanted = held_out_count(len(questions), fraction, minimum)
    held: list[Sample] = []
    for group in _groups(questions, seed):
        if len(held) >= wanted:
            break
        after = len(held) + len(group)
        # The first group that fits is taken; a later one only when it brings the count closer.
        if after <= len(questions) // 2 and (
            not held or abs(after - wanted) < abs(len(held) - wanted)
        ):
            held.extend(group)
    held_ids = {s.id for s in held}
    train = [s for s in samples if s.id not in held_ids]
    return LeafSplit(
        tuple(sorted(held, key=lambda s: s.id)),
        tuple(
            (sample, copies)
            for sample, copies in zip(
                train, repeats(train, seed=seed, weight=weight, cap=cap), strict=True
            )
            if copies
        ),
    )


def _groups(questions: Sequence[Sample], seed: int) -> list[list[Sample]]:
    """The questions that must stay on one side together, in seeded order: a grounded context's
    questions, every other question alone."""
    grouped: dict[str, list[Sample]] = {}
    for sample in questions:
        together = sample.context if sample.form == GROUNDED else f"\0{sample.id}"
        grouped.setdefault(together, []).append(sample)
    groups = [sorted(group, key=lambda s: s.id) for group in grouped.values()]
    return sorted(groups, key=lambda group: seeded.key(seed, "test", group[0].id))


def repeats(samples: Sequence[Sample], *, seed: int, weight: float, cap: int = 0) -> list[int]:
    """Copies of each of `samples` (in their order; 0 leaves one out) for `weight` and `cap`."""
    total = seeded.half_up(weight * len(samples))
    if cap:
        total = min(total, cap)
    if not samples:
        return []
    rounds, rest = divmod(total, len(samples))
    if not rest:
        return [rounds] * len(samples)
    ranked = sorted(range(len(samples)), key=lambda i: seeded.key(seed, "weight", samples[i].id))
    extra = set(ranked[:rest])
    return [rounds + (1 if i in extra else 0) for i in range(len(samples))]


def seed_rows(leaf: Leaf) -> list[MixRow]:
    """The leaf's seed examples as test rows, in the leaf's order."""
    kind = leaf.kind.value
    rows = []
    for context, question, answer in leaf.seed_pairs:
        # Knowledge is asked closed book: its context stays out of the turn (`user_turn`).
        if leaf.kind is LeafKind.KNOWLEDGE:
            form = KNOWLEDGE_QA
        elif context:
            form = "grounded"
        else:
            form = "instruction"
        rows.append(
            seed_row(
                leaf.leaf_id, kind, form, context=context or "", question=question, answer=answer
            )
        )
    return rows

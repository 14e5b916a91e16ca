"""A leaf's split: seeds and a share of its questions held out, the copies weights and caps give."""

from __future__ import annotations

from collections import Counter

from candidates import candidate
from labtax.export.split import held_out_count, repeats, seed_rows, split_leaf


def samples(count: int, form: str = "instruction"):
    if form == "instruction":
        return [candidate(f"question number {i}?", f"answer {i}") for i in range(count)]
    return [
        candidate(f"question {i}?", f"answer {i}", "a chunk", form=form, leaf="knowledge/k")
        for i in range(count)
    ]


def test_the_held_out_share_has_a_minimum_and_never_takes_more_than_half():
    assert held_out_count(100, 0.05, 1) == 5
    assert held_out_count(10, 0.05, 1) == 1  # the minimum
    assert held_out_count(10, 0.05, 0) == 1  # 0.5 rounds up
    assert held_out_count(3, 0.05, 5) == 1  # at most half
    assert held_out_count(1, 0.5, 1) == 0  # a one-sample leaf still trains
    assert held_out_count(0, 0.5, 1) == 0


def test_the_split_is_seeded_by_sample_id_and_auxiliary_forms_always_train():
    questions = samples(20, "knowledge_qa")
    auxiliary = samples(5, "detailed_summary")
    split = split_leaf([*questions, *auxiliary], seed=1, fraction=0.2, minimum=1)
    assert len(split.test) == 4
    assert all(s.form == "knowledge_qa" for s in split.test)
    assert {s.id for s, _ in split.train} == {s.id for s in [*questions, *auxiliary]} - {
        s.id for s in split.test
    }
    again = split_leaf(list(reversed([*questions, *auxiliary])), seed=1, fraction=0.2, minimum=1)
    assert again.test == split.test  # the order the samples come in does not matter
    other = split_leaf([*questions, *auxiliary], seed=2, fraction=0.2, minimum=1)
    assert other.test != split.test


def test_weights_repeat_or_thin_the_train_samples_and_the_cap_limits_them():
    train = samples(10)
    assert repeats(train, seed=1, weight=1.0) == [1] * 10
    assert sorted(repeats(train, seed=1, weight=2.5)) == [2] * 5 + [3] * 5
    assert sum(repeats(train, seed=1, weight=0.25)) == 3  # half_up(2.5)
    assert repeats(train, seed=1, weight=0.0) == [0] * 10
    assert sum(repeats(train, seed=1, weight=3.0, cap=12)) == 12
    split = split_leaf(train, seed=1, fraction=0.0, minimum=0, weight=0.5)
    assert sum(copies for _, copies in split.train) == 5
    assert all(copies == 1 for _, copies in split.train)  # those left out are not listed


def test_seed_rows_are_the_questions_people_wrote(sample_leaves):
    freeform = seed_rows(sample_leaves["freeform"])
    assert [r.form for r in freeform] == ["instruction"] * 5
    assert freeform[0].turns == (
        ("user", "What has keys but cannot open locks?"),
        ("assistant", "A piano: it has keys but they play notes."),
    )
    grounded = seed_rows(sample_leaves["grounded"])[0]
    assert grounded.form == "grounded"
    assert grounded.turns[0][1].startswith("The town library opened")
    assert grounded.turns[0][1].endswith("\n\nSummarise this paragraph in one sentence.")
    knowledge = seed_rows(sample_leaves["knowledge"])
    assert Counter(r.form for r in knowledge) == {"knowledge_qa": 3}
    assert all(r.turns[0][1].startswith("What does the text say") for r in knowledge)  # closed book
    assert {r.source for r in [*freeform, grounded, *knowledge]} == {"seed"}
    assert len({r.id for r in knowledge}) == 3


def test_questions_about_one_grounded_context_stay_on_one_side():
    import mixdata

    samples = mixdata.skill_samples(mixdata.GROUNDED, 12, grounded=True)  # 4 contexts of 3
    for seed in range(20):
        split = split_leaf(samples, seed=seed, fraction=0.25, minimum=1)
        held = {s.context for s in split.test}
        trained = {s.context for s, _ in split.train}
        assert len(split.test) == 3  # one whole context: the count nearest 3
        assert not held & trained
    # The minimum is met by a whole context; nothing is held out when nothing is asked for.
    assert len(split_leaf(samples, seed=1, fraction=0.0, minimum=1).test) == 3
    assert split_leaf(samples, seed=1, fraction=0.0, minimum=0).test == ()
    # Two whole contexts when the target is nearer 6 than 3, never more than half.
    assert len(split_leaf(samples, seed=1, fraction=0.45, minimum=1).test) == 6

"""The gaps list: low scores, not evaluated, thin branches, few seeds, repetitive data, no data."""

from __future__ import annotations

import mapdata
from labtax.coverage import build_tree
from labtax.gaps import find_gaps


def test_every_kind_of_gap_with_what_to_do():
    gaps = find_gaps(mapdata.sample_tree(), student=mapdata.STUDENT)
    found = [(g.kind, g.path) for g in gaps]
    assert found == [
        ("low_score", "compositional_skills/writing/capitals"),
        ("not_evaluated", f"knowledge/history/{mapdata.HOSTILE}"),
        ("not_evaluated", "knowledge/science/water"),
        ("thin_branch", "compositional_skills"),
        ("thin_branch", "foundational_skills"),
        ("thin_branch", "knowledge"),
        ("few_seeds", f"knowledge/history/{mapdata.HOSTILE}"),
        ("low_diversity", "compositional_skills/writing/capitals"),
        ("no_data", f"knowledge/history/{mapdata.HOSTILE}"),
    ]
    low = gaps[0]
    assert low.figure == "student 2.0/10 over 3 questions"
    assert "generate data" in low.advice
    water = next(g for g in gaps if g.path == "knowledge/science/water")
    assert "2 x no answer from the student" in water.figure
    assert "labtax eval" in water.advice
    assert gaps[4].figure == "0 leaves, 0 seeds"
    assert all(g.advice for g in gaps)
    assert set(gaps[0].as_dict()) == {"advice", "figure", "kind", "path"}


def test_without_a_student_scores_are_no_gap():
    kinds = {g.kind for g in find_gaps(mapdata.sample_tree())}
    assert "low_score" not in kinds
    assert "not_evaluated" not in kinds


def test_a_large_varied_leaf_is_not_flagged_for_its_size_alone():
    import random

    from labtax.diversity import diversity
    from labtax.gaps import DIVERSITY_SAMPLE, MIN_DISTINCT_BIGRAMS

    rng = random.Random(7)
    words = [f"word{n}" for n in range(40)]
    many = tuple(" ".join(rng.choice(words) for _ in range(8)) + "?" for _ in range(1500))
    # Over all 1,500 questions, distinct-2 is low only because there are so many of them.
    assert diversity(many).distinct_bigrams < MIN_DISTINCT_BIGRAMS
    big = mapdata.leaf("compositional_skills/writing/big", questions=many)
    assert not [g for g in find_gaps(build_tree([big])) if g.kind == "low_diversity"]
    # A leaf that truly repeats itself is flagged at any size, on a sample of the same size.
    same = tuple(f"What is the capital of country number {n}?" for n in range(1500))
    flat = mapdata.leaf("compositional_skills/writing/flat", questions=same)
    (gap,) = [g for g in find_gaps(build_tree([flat])) if g.kind == "low_diversity"]
    assert f"over {DIVERSITY_SAMPLE} questions" in gap.figure

"""export_mix end to end on a project of every leaf kind: what each phase holds, the split,
decontamination, the ratios, determinism, bad data and an interrupted export."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import mixdata
from gitrepo import git
from labtax.config import load_config
from labtax.dataset import read_leaf
from labtax.errors import LabtaxError, Location
from labtax.export import card, export_mix, output, seeded
from labtax.export.recipe import LeafWeight, RaftSettings, Recipe
from labtax.export.split import held_out_count
from labtax.leaves import load_file
from projects import tree_bytes


def export(root: Path, recipe: Recipe | None = None, *, out: str = "mix", **options):
    return export_mix(load_config(root), root / out, recipe or Recipe(), **options)


def rows(root: Path, phase: str, split: str, out: str = "mix") -> list[dict]:
    path = root / out / phase / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def user(row: dict) -> str:
    return next(m["content"] for m in row["messages"] if m["role"] == "user")


def test_the_knowledge_phase_holds_closed_book_grounded_raft_and_auxiliary_rows(mix_project):
    export(mix_project)
    config = load_config(mix_project)
    samples = {
        s.id: s for leaf in (mixdata.WATER, mixdata.PRESS) for s in read_leaf(config, leaf).samples
    }
    train = rows(mix_project, "knowledge", "train")
    forms = {r["form"] for r in train}
    assert forms == {
        "knowledge_qa",
        "knowledge_qa_grounded",
        "knowledge_qa_raft",
        "detailed_summary",
        "extractive_summary",
    }
    for row in train:
        sample = samples[row["id"]]
        assert row["kind"] == "knowledge"
        assert row["source"] == "generated"
        assert row["messages"][-1] == {"role": "assistant", "content": sample.answer}
        if row["form"] == "knowledge_qa":
            assert user(row) == sample.question  # closed book
        elif row["form"] == "knowledge_qa_grounded":
            assert user(row) == sample.context + "\n\n" + sample.question
        elif row["form"] == "knowledge_qa_raft":
            assert user(row).startswith("Document 1:\n")
            assert user(row).endswith("\n\n" + sample.question)
            assert user(row).count("Document ") in {3, 4}  # 3 distractors, the chunk or not
        else:
            assert user(row) == sample.user_turn  # auxiliary data as it is


def test_the_skills_phase_holds_skill_rows_and_replays_the_knowledge_phase(mix_project):
    export(mix_project, Recipe(knowledge_replay=0.5))
    knowledge = rows(mix_project, "knowledge", "train")
    skills = rows(mix_project, "skills", "train")
    generated = [r for r in skills if r["source"] == "generated"]
    assert {r["form"] for r in generated} == {"instruction", "grounded"}
    assert {r["kind"] for r in generated} == {"freeform_skill", "grounded_skill"}
    replayed = [r for r in skills if r["source"] == "knowledge_replay"]
    assert len(replayed) == round(0.5 * len(knowledge))
    as_generated = {json.dumps({**r, "source": "generated"}, sort_keys=True) for r in replayed}
    assert as_generated <= {json.dumps(r, sort_keys=True) for r in knowledge}
    grounded = next(r for r in generated if r["form"] == "grounded")
    assert "\n\n" in user(grounded)  # the context, a blank line, the instruction


def test_seeds_always_go_to_test_and_a_share_of_each_leafs_questions(mix_project):
    export(mix_project, Recipe(test_fraction=0.2, test_min=1))
    config = load_config(mix_project)
    test = rows(mix_project, "knowledge", "test") + rows(mix_project, "skills", "test")
    seeds = [r for r in test if r["source"] == "seed"]
    for leaf_id in mixdata.LEAVES:
        leaf = load_file(config, config.taxonomy / leaf_id / "qna.yaml")
        own = [r for r in seeds if r["leaf"] == leaf_id]
        assert len(own) == len(leaf.seed_pairs)
        turns = {user(r) for r in own}
        for context, question, _ in leaf.seed_pairs:
            closed = leaf.kind.value == "knowledge" or not context
            assert (question if closed else f"{context}\n\n{question}") in turns
        held = [r for r in test if r["leaf"] == leaf_id and r["source"] == "generated"]
        questions = [
            s
            for s in read_leaf(config, leaf_id).samples
            if s.form in {"instruction", "grounded", "knowledge_qa"}
        ]
        assert held_out_count(len(questions), 0.2, 1) == 4
        assert all(r["form"] in {"instruction", "grounded", "knowledge_qa"} for r in held)
        if leaf_id != mixdata.GROUNDED:
            assert len(held) == 4
            continue
        # A grounded context's three questions stay together: the count nearest 4 is 3.
        assert len(held) == 3
        held_ids = {r["id"] for r in held}
        contexts = {s.context for s in questions if s.id in held_ids}
        assert len(contexts) == 1
        assert all(s.id in held_ids for s in questions if s.context in contexts)


def test_no_variant_of_a_held_out_sample_trains(mix_project):
    export(mix_project, Recipe(test_fraction=0.3))
    for phase in ("knowledge", "skills"):
        held = {r["id"] for r in rows(mix_project, phase, "test") if r["source"] == "generated"}
        trained = {r["id"] for r in rows(mix_project, phase, "train")}
        assert held
        assert not held & trained


def test_a_train_turn_that_repeats_a_seed_exactly_or_nearly_is_dropped_and_counted(mix_project):
    config = load_config(mix_project)
    samples = mixdata.skill_samples(mixdata.FREEFORM, 12, grounded=False)
    # Seeds of the freeform leaf: "What has keys but cannot open locks?" and
    # "What gets wetter the more it dries?".
    exact = replace(samples[0], question="  WHAT has keys   but cannot open locks? ")
    near = replace(samples[1], question="What gets wetter the more it dries, really?")
    kept = replace(samples[2], question="Which everyday object has a face but no eyes?")
    mixdata.write_data(config, mixdata.FREEFORM, [exact, near, kept, *samples[3:]])
    summary = export(mix_project, Recipe(test_fraction=0.0, test_min=0))
    train = [user(r) for r in rows(mix_project, "skills", "train")]
    assert exact.question not in train
    assert near.question not in train
    assert kept.question in train
    assert summary.phases["skills"].dropped == {"generated": 2}
    tally = next(t for t in summary.leaves if t.leaf == mixdata.FREEFORM)
    assert (tally.train, tally.dropped) == (10, 2)


def test_a_near_duplicate_of_a_held_out_question_is_dropped(mix_project):
    config = load_config(mix_project)
    base = mixdata.skill_samples(mixdata.FREEFORM, 2, grounded=False)
    twin = "Which riddle object has many keys yet never once opens a single door lock today"
    samples = [replace(base[0], question=twin + "?"), replace(base[1], question=twin + " now?")]
    mixdata.write_data(config, mixdata.FREEFORM, samples)
    summary = export(mix_project)  # of two questions, one is held out
    test = [
        user(r)
        for r in rows(mix_project, "skills", "test")
        if r["source"] == "generated" and r["leaf"] == mixdata.FREEFORM
    ]
    train = [user(r) for r in rows(mix_project, "skills", "train") if r["leaf"] == mixdata.FREEFORM]
    assert len(test) == 1
    assert len({twin + "?", twin + " now?"} & set(test)) == 1
    assert train == []
    assert summary.phases["skills"].dropped == {"generated": 1}


def test_a_held_out_question_trains_in_no_variant_of_another_sample(mix_project):
    config = load_config(mix_project)
    samples = mixdata.knowledge_samples(mixdata.WATER, 12)
    # Two chunks' samples ask the same question: when one is held out, the other's grounded
    # and RAFT rows (its chunk, then the question) must not train either.
    twin = replace(samples[1], question=samples[0].question, answer="another answer")
    mixdata.write_data(config, mixdata.WATER, [samples[0], twin, *samples[2:]])
    export(mix_project, Recipe(test_fraction=0.3))
    test = {user(r) for r in rows(mix_project, "knowledge", "test")}
    for row in rows(mix_project, "knowledge", "train"):
        turn = user(row)
        assert not any(turn.endswith("\n\n" + question) for question in test), row["form"]


def test_weights_repeat_or_thin_a_leafs_train_samples_and_the_cap_limits_them(mix_project):
    plain = export(mix_project, Recipe(knowledge_replay=0))
    base = {t.leaf: t.train for t in plain.leaves}
    weights = (
        _weight("compositional_skills", 2.0),
        _weight(mixdata.FREEFORM, 0.5),  # more specific than the branch: it wins
    )
    weighted = export(mix_project, Recipe(knowledge_replay=0, weights=weights))
    counts = {t.leaf: t.train for t in weighted.leaves}
    assert counts[mixdata.GROUNDED] == 2 * base[mixdata.GROUNDED]
    assert counts[mixdata.FREEFORM] == seeded.half_up(0.5 * base[mixdata.FREEFORM])
    assert counts[mixdata.WATER] == base[mixdata.WATER]
    capped = export(mix_project, Recipe(knowledge_replay=0, weights=weights, max_per_leaf=5))
    assert {t.leaf: t.train for t in capped.leaves}[mixdata.GROUNDED] == 5


def test_weights_that_leave_a_phase_with_data_no_train_rows_are_a_located_error(mix_project):
    where = Location("recipe.yaml", 3, 1)
    zero_all = tuple(LeafWeight(b, 0.0, where) for b in ("compositional_skills", "knowledge"))
    recipe = Recipe(weights=zero_all, locations={"weights": where})
    with pytest.raises(LabtaxError, match="leave the knowledge phase no train rows") as caught:
        export(mix_project, recipe)
    assert caught.value.location == where
    assert "ratios that cannot be met" in caught.value.message
    tiny = (_weight("compositional_skills", 0.01),)  # 0.01 x each leaf's samples rounds to 0
    with pytest.raises(LabtaxError, match="leave the skills phase no train rows"):
        export(mix_project, Recipe(weights=tiny))
    assert not (mix_project / "mix").exists()
    one_leaf = (_weight(mixdata.FREEFORM, 0.0),)  # a leaf left out on purpose is fine
    assert export(mix_project, Recipe(weights=one_leaf)).phases["skills"].train_rows


def _weight(pattern: str, weight: float) -> LeafWeight:
    return LeafWeight(pattern, weight, Location("recipe.yaml"))


def test_the_minimum_knowledge_share_upsamples_the_replay(mix_project):
    summary = export(mix_project, Recipe(knowledge_replay=0.0, min_knowledge_share=0.8))
    skills = summary.phases["skills"].train
    share = skills["knowledge_replay"] / sum(skills.values())
    assert 0.8 <= share < 0.81
    replayed = [
        r for r in rows(mix_project, "skills", "train") if r["source"] == "knowledge_replay"
    ]
    assert len(replayed) == skills["knowledge_replay"]
    assert len(replayed) > len(rows(mix_project, "knowledge", "train"))  # some rows twice


def test_a_minimum_knowledge_share_without_knowledge_is_a_located_error(mix_project):
    config = load_config(mix_project)
    for leaf in (mixdata.WATER, mixdata.PRESS):
        mixdata.write_data(config, leaf, [])
    recipe = Recipe(
        min_knowledge_share=0.1, locations={"min_knowledge_share": Location("r.yaml", 3, 1)}
    )
    with pytest.raises(LabtaxError, match="cannot be met") as caught:
        export(mix_project, recipe)
    assert str(caught.value.location) == "r.yaml:3:1"
    assert not (mix_project / "mix").exists()


def test_raft_rows_carry_the_right_chunk_with_probability_p(mix_project):
    config = load_config(mix_project)
    for leaf in (mixdata.WATER, mixdata.PRESS):
        mixdata.write_data(
            config, leaf, mixdata.knowledge_samples(leaf, 150, chunks=6, auxiliary=0)
        )
    recipe = Recipe(test_min=0, test_fraction=0.0, raft=RaftSettings(p=0.4, distractors=2))
    export(mix_project, recipe)
    samples = {
        s.id: s for leaf in (mixdata.WATER, mixdata.PRESS) for s in read_leaf(config, leaf).samples
    }
    raft = [r for r in rows(mix_project, "knowledge", "train") if r["form"] == "knowledge_qa_raft"]
    assert len(raft) == 300
    with_chunk = 0
    for row in raft:
        sample = samples[row["id"]]
        documents = user(row).split("\n\n")[:-1]
        with_chunk += f"\n{sample.context}" in "\n\n".join(documents)
        assert len(documents) in {2, 3}
    assert 0.33 < with_chunk / len(raft) < 0.47
    none = export(mix_project, replace(recipe, raft=RaftSettings(p=0.4, distractors=0)))
    assert "knowledge_qa_raft" not in none.phases["knowledge"].forms


def test_distractors_come_from_the_same_leaf_first(mix_project):
    config = load_config(mix_project)
    water = mixdata.knowledge_samples(mixdata.WATER, 12, chunks=4, auxiliary=0)
    mixdata.write_data(config, mixdata.WATER, water)
    export(mix_project, Recipe(test_min=0, raft=RaftSettings(p=0.0, distractors=3)))
    own = {s.context for s in water}
    for row in rows(mix_project, "knowledge", "train"):
        if row["form"] == "knowledge_qa_raft" and row["leaf"] == mixdata.WATER:
            documents = [d.split("\n", 1)[1] for d in user(row).split("\n\n")[:-1]]
            assert set(documents) <= own  # three other chunks of its own leaf, not its own
            assert len(set(documents)) == 3


def test_the_same_inputs_and_recipe_give_the_same_bytes(mix_project):
    recipe = Recipe(formats=("jsonl", "parquet"))
    export(mix_project, recipe)
    first = tree_bytes(mix_project / "mix")
    export(mix_project, recipe)
    assert tree_bytes(mix_project / "mix") == first
    assert "knowledge/train.parquet" in first
    export(mix_project, replace(recipe, seed=7))
    other = tree_bytes(mix_project / "mix")
    assert other["skills/train.jsonl"] != first["skills/train.jsonl"]


def test_the_system_prompt_comes_first_or_not_at_all(mix_project):
    export(mix_project, Recipe(system_prompt="Be brief."))
    for row in rows(mix_project, "skills", "train") + rows(mix_project, "knowledge", "test"):
        assert row["messages"][0] == {"role": "system", "content": "Be brief."}
    export(mix_project, Recipe(system_prompt=""))
    assert all(r["messages"][0]["role"] == "user" for r in rows(mix_project, "skills", "train"))


def test_stale_or_missing_data_is_an_error_naming_the_leaves(mix_project):
    text = (mix_project / "taxonomy" / mixdata.GROUNDED / "qna.yaml").read_text()
    (mix_project / "taxonomy" / mixdata.GROUNDED / "qna.yaml").write_text(
        text.replace("one sentence.", "one short sentence."), encoding="utf-8"
    )
    data = mix_project / "generated" / mixdata.PRESS
    for name in ("samples.jsonl", "rejected.jsonl", "manifest.json"):
        (data / name).unlink()
    with pytest.raises(LabtaxError) as caught:
        export(mix_project)
    message = caught.value.message
    assert f"{mixdata.GROUNDED} (stale)" in message
    assert f"{mixdata.PRESS} (missing)" in message
    assert mixdata.FREEFORM not in message
    assert "--allow-stale" in caught.value.hint


def test_allow_stale_exports_what_is_there_and_says_so(mix_project):
    path = mix_project / "taxonomy" / mixdata.GROUNDED / "qna.yaml"
    path.write_text(path.read_text().replace("one sentence.", "one short sentence."))
    summary = export(mix_project, allow_stale=True)
    assert [(t.leaf, t.state) for t in summary.behind] == [(mixdata.GROUNDED, "stale")]
    trained = {r["leaf"] for r in rows(mix_project, "skills", "train")}
    assert mixdata.GROUNDED in trained
    readme = (mix_project / "mix" / "README.md").read_text()
    assert "--allow-stale" in readme
    assert f"`{mixdata.GROUNDED}` (stale)" in readme


def test_damaged_data_is_an_error_naming_the_leaf(mix_project):
    samples = mix_project / "generated" / mixdata.WATER / "samples.jsonl"
    lines = samples.read_text().splitlines()
    record = json.loads(lines[2])
    record["answer"] = "tampered"
    lines[2] = json.dumps(record, sort_keys=True)
    samples.write_text("\n".join(lines) + "\n")
    # The manifest's digest no longer matches, but the damage, not staleness, is the error,
    # with or without --allow-stale.
    for allow_stale in (False, True):
        with pytest.raises(LabtaxError) as caught:
            export(mix_project, allow_stale=allow_stale)
        assert f"leaf {mixdata.WATER} is damaged" in caught.value.message
        where = f"generated/{mixdata.WATER}/samples.jsonl:3:"
        assert str(caught.value.location).startswith(where)
        assert "--allow-stale" not in caught.value.hint


@pytest.mark.parametrize(
    ("name", "damage", "where"),
    [
        ("samples.jsonl", lambda raw: raw.replace(raw.split(b"\n")[2], b'{"broken', 1), ":3:"),
        ("samples.jsonl", lambda raw: raw[: len(raw) // 2 + 7], ":11:"),  # cut in a line
        ("samples.jsonl", lambda raw: raw.replace(b"a", b"\xff", 1), ":1:"),  # not UTF-8
        ("manifest.json", lambda raw: raw[:40], ":"),
    ],
)
def test_damage_of_any_kind_is_reported_as_damage_not_staleness(mix_project, name, damage, where):
    path = mix_project / "generated" / mixdata.FREEFORM / name
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(LabtaxError, match=f"leaf {mixdata.FREEFORM} is damaged") as caught:
        export(mix_project)
    assert str(caught.value.location).startswith(f"generated/{mixdata.FREEFORM}/{name}{where}")
    assert "--allow-stale" not in caught.value.hint


def test_an_interrupted_export_leaves_the_previous_mix_as_it_was(mix_project, monkeypatch):
    export(mix_project)
    before = tree_bytes(mix_project / "mix")

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(card, "render", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export(mix_project, Recipe(seed=9))
    assert tree_bytes(mix_project / "mix") == before
    assert sorted(p.name for p in mix_project.iterdir() if p.name.startswith(".mix")) == []


def test_a_directory_that_is_not_an_export_is_never_replaced(mix_project):
    (mix_project / "notes").mkdir()
    (mix_project / "notes" / "todo.txt").write_text("mine\n")
    with pytest.raises(LabtaxError, match="not a labtax export"):
        export(mix_project, out="notes")
    assert (mix_project / "notes" / "todo.txt").read_text() == "mine\n"
    for unsafe in (".", "generated/mix", "taxonomy/mix"):
        with pytest.raises(LabtaxError, match="refusing"):
            export(mix_project, out=unsafe)
    assert output.is_export(mix_project / "notes") is False


def test_data_of_a_leaf_no_longer_in_the_taxonomy_is_not_exported(mix_project):
    git(mix_project, "rm", "-q", "-r", f"taxonomy/{mixdata.PRESS}")
    summary = export(mix_project)
    assert summary.orphaned == (mixdata.PRESS,)
    assert mixdata.PRESS not in {r["leaf"] for r in rows(mix_project, "knowledge", "train")}


def test_knowledge_trains_short_rows_first_then_long_ones(mix_project):
    from labtax.util import estimate_tokens

    summary = export(mix_project, Recipe(knowledge_short_tokens=40))
    train = rows(mix_project, "knowledge", "train")
    lengths = [r["length"] for r in train]
    short = summary.phases["knowledge"].short_first
    assert 0 < short < len(train)
    assert lengths == ["short"] * short + ["long"] * (len(train) - short)
    for row in train:
        turns = [m["content"] for m in row["messages"] if m["role"] != "system"]
        tokens = sum(estimate_tokens(t) for t in turns)
        assert (tokens <= 40) == (row["length"] == "short")
    # Closed-book questions are the short ones; a row carrying its chunk is long.
    assert {r["form"] for r in train[:short]} == {"knowledge_qa"}
    assert all(r["length"] == "long" for r in train if r["form"] == "knowledge_qa_grounded")
    # Every file has the column; only the knowledge phase orders by it.
    assert {r["length"] for r in rows(mix_project, "skills", "train")} <= {"short", "long"}
    assert summary.phases["skills"].short_first == 0
    none_short = export(mix_project, Recipe(knowledge_short_tokens=0), out="mix0")
    assert none_short.phases["knowledge"].short_first == 0
    assert {r["length"] for r in rows(mix_project, "knowledge", "train", "mix0")} == {"long"}

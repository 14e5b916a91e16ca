"""`changed_leaves` against real repositories: statuses, reasons, and what never counts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from labtax.changes import Change, changed_leaves
from labtax.config import load_config
from labtax.errors import LabtaxError

SYN = "taxonomy/compositional_skills/linguistics/synonyms/qna.yaml"
LOGIC = "taxonomy/foundational_skills/reasoning/logic/qna.yaml"
WATER = "taxonomy/knowledge/science/water/qna.yaml"


def test_no_changes_is_an_empty_set(repo, changed):
    result = changed()
    assert result.changes == ()
    assert result.ignored == ()
    assert result.base == "main"
    assert result.merge_base == result.head


def test_added_leaf(repo, changed, kit):
    kit.write(repo, "taxonomy/compositional_skills/writing/poems/qna.yaml", kit.skill(10))
    kit.commit_all(repo)
    result = changed()
    assert kit.summary(result) == [
        ("added", "taxonomy/compositional_skills/writing/poems/qna.yaml", ("inputs",))
    ]
    (change,) = result.changes
    assert change.leaf_id == "compositional_skills/writing/poems"
    assert change.needs_generation


def test_modified_leaf_inputs(repo, changed, kit):
    kit.write(repo, SYN, kit.skill(1).replace("Glad.", "Cheerful."))
    kit.commit_all(repo)
    assert kit.summary(changed()) == [("modified", SYN, ("inputs",))]


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(
            lambda t: t.replace("created_by: alice", "created_by: carol"), id="created_by"
        ),
        pytest.param(lambda t: t.replace("version: 3", "version: 4"), id="version"),
        pytest.param(lambda t: "# a comment\n" + t.replace("Glad.", "Glad.  # why"), id="comments"),
        pytest.param(
            lambda t: t.replace("created_by: alice\n", "") + "created_by: alice\n",
            id="metadata-key-moved",
        ),
        pytest.param(
            lambda t: t.replace("task_description: Give synonyms for word number 1.\n", "").replace(
                "version: 3\n", "version: 3\ntask_description: Give synonyms for word number 1.\n"
            ),
            id="key-order",
        ),
        pytest.param(
            lambda t: (
                t.replace("answer: Glad.", "answer: 'Glad.'")
                .replace("\n  ", "\n    ")
                .replace("seed_examples:", "\nseed_examples:   ")
            ),
            id="formatting",
        ),
    ],
)
def test_metadata_only_modification(repo, changed, kit, edit):
    before = kit.skill(1)
    after = edit(before)
    assert after != before
    kit.write(repo, SYN, after)
    kit.commit_all(repo)
    result = changed()
    assert kit.summary(result) == [("modified", SYN, ("metadata",))]
    assert not result.changes[0].needs_generation


def test_pure_rename(repo, changed, kit):
    kit.git(
        repo,
        "mv",
        "taxonomy/compositional_skills/linguistics/synonyms",
        "taxonomy/compositional_skills/linguistics/words",
    )
    kit.commit_all(repo)
    result = changed()
    (change,) = result.changes
    assert change == Change(
        "taxonomy/compositional_skills/linguistics/words/qna.yaml",
        "compositional_skills/linguistics/words",
        "renamed",
        ("metadata",),
        SYN,
        "compositional_skills/linguistics/synonyms",
        100,
    )
    assert not change.needs_generation


def test_rename_with_edit(repo, changed, kit):
    kit.git(
        repo,
        "mv",
        "taxonomy/compositional_skills/linguistics/synonyms",
        "taxonomy/compositional_skills/linguistics/words",
    )
    new = "taxonomy/compositional_skills/linguistics/words/qna.yaml"
    kit.write(repo, new, kit.skill(1).replace("Large.", "Huge."))
    kit.commit_all(repo)
    (change,) = changed().changes
    assert (change.status, change.path, change.old_path, change.reasons) == (
        "renamed",
        new,
        SYN,
        ("inputs",),
    )
    assert change.similarity is not None
    assert 50 <= change.similarity < 100
    assert change.needs_generation


def test_rename_across_branches_changes_the_kind(repo, changed, kit):
    """Moving a skill under a `grounded` directory makes it grounded: the teacher input changes."""
    kit.git(
        repo,
        "mv",
        "taxonomy/compositional_skills/linguistics",
        "taxonomy/compositional_skills/grounded",
    )
    kit.commit_all(repo)
    (change,) = changed().changes
    assert change.status == "renamed"
    assert change.reasons == ("inputs",)


def test_deleted_leaf(repo, changed, kit):
    kit.git(repo, "rm", "-q", "-r", "taxonomy/compositional_skills/linguistics/synonyms")
    kit.commit_all(repo)
    result = changed()
    assert kit.summary(result) == [("deleted", SYN, ("inputs",))]
    assert not result.changes[0].needs_generation


def test_delete_of_many_leaves_at_once(repo, changed, kit):
    for n in range(120):
        kit.write(
            repo, f"taxonomy/compositional_skills/bulk/leaf_{n:03d}/qna.yaml", kit.skill(100 + n)
        )
    kit.commit_all(repo, "many leaves")
    kit.git(repo, "branch", "-f", "main", "HEAD")
    kit.git(repo, "rm", "-q", "-r", "taxonomy/compositional_skills/bulk")
    kit.commit_all(repo, "delete them")
    result = changed()
    assert len(result.changes) == 120
    assert {c.status for c in result.changes} == {"deleted"}
    assert [c.leaf_id for c in result.changes] == [
        f"compositional_skills/bulk/leaf_{n:03d}" for n in range(120)
    ]


def test_branch_that_merged_the_base_back_in_reports_only_its_own_changes(repo, changed, kit):
    kit.write(repo, SYN, kit.skill(1).replace("Glad.", "Joyful."))
    kit.commit_all(repo, "topic work")
    kit.git(repo, "checkout", "-q", "main")
    kit.write(repo, LOGIC, kit.skill(2).replace("Quick.", "Rapid."))
    kit.write(
        repo, "taxonomy/knowledge/history/rome/qna.yaml", kit.KNOWLEDGE.replace("water", "rome")
    )
    kit.commit_all(repo, "main moves on")
    kit.git(repo, "checkout", "-q", "topic")
    kit.git(repo, "merge", "-q", "--no-edit", "main")
    kit.write(repo, "taxonomy/compositional_skills/writing/poems/qna.yaml", kit.skill(11))
    kit.commit_all(repo, "more topic work")
    # main gains another commit after the merge: still not the branch's change
    kit.git(repo, "checkout", "-q", "main")
    kit.write(repo, LOGIC, kit.skill(2).replace("Quick.", "Speedy."))
    kit.commit_all(repo, "main again")
    kit.git(repo, "checkout", "-q", "topic")
    assert kit.summary(changed()) == [
        ("modified", SYN, ("inputs",)),
        ("added", "taxonomy/compositional_skills/writing/poems/qna.yaml", ("inputs",)),
    ]


def test_untracked_new_leaf(repo, changed, kit):
    kit.write(repo, "taxonomy/compositional_skills/writing/new/qna.yaml", kit.skill(12))
    new = "taxonomy/compositional_skills/writing/new/qna.yaml"
    assert kit.summary(changed()) == [("added", new, ("inputs",))]
    assert changed(untracked=False).changes == ()


def test_untracked_leaf_ignored_by_gitignore(repo, changed, kit):
    kit.write(repo, ".gitignore", "scratch/\n")
    kit.write(repo, "taxonomy/compositional_skills/scratch/qna.yaml", kit.skill(13))
    kit.commit_all(repo, "ignore scratch")
    assert changed().changes == ()


def test_staged_but_uncommitted(repo, changed, kit):
    kit.write(repo, LOGIC, kit.skill(2).replace("Large.", "Vast."))
    kit.git(repo, "add", LOGIC)
    assert kit.summary(changed()) == [("modified", LOGIC, ("inputs",))]


def test_unstaged_change_and_staged_change_reverted_in_the_tree(repo, changed, kit):
    kit.write(repo, LOGIC, kit.skill(2).replace("Large.", "Vast."))
    kit.git(repo, "add", LOGIC)
    kit.write(repo, LOGIC, kit.skill(2))  # the working tree wins: nothing changed after all
    kit.write(repo, SYN, kit.skill(1).replace("Large.", "Vast."))  # unstaged
    assert kit.summary(changed()) == [("modified", SYN, ("inputs",))]


def test_plain_mv_is_a_rename_when_untracked_files_count(repo, changed, kit):
    src = repo / "taxonomy/compositional_skills/linguistics/synonyms"
    src.rename(repo / "taxonomy/compositional_skills/linguistics/words")
    (change,) = changed().changes
    assert (change.status, change.old_path, change.similarity) == ("renamed", SYN, 100)
    # without untracked files only the deletion is visible
    assert kit.summary(changed(untracked=False)) == [("deleted", SYN, ("inputs",))]


def test_attribution_only_change(repo, changed, kit):
    kit.write(
        repo, "taxonomy/compositional_skills/linguistics/synonyms/attribution.txt", "Alice, Bob\n"
    )
    kit.commit_all(repo)
    result = changed()
    assert kit.summary(result) == [("modified", SYN, ("attribution",))]
    assert not result.changes[0].needs_generation


def test_attribution_added_to_a_leaf_and_with_an_edit(repo, changed, kit):
    kit.write(repo, "taxonomy/foundational_skills/reasoning/logic/attribution.txt", "Carol\n")
    kit.write(repo, SYN, kit.skill(1).replace("Glad.", "Merry."))
    kit.write(repo, "taxonomy/compositional_skills/linguistics/synonyms/attribution.txt", "Dan\n")
    assert kit.summary(changed()) == [
        ("modified", SYN, ("attribution", "inputs")),
        ("modified", LOGIC, ("attribution",)),
    ]


def test_added_leaf_with_attribution_counts_only_as_new(repo, changed, kit):
    new = "taxonomy/compositional_skills/writing/new/qna.yaml"
    kit.write(repo, new, kit.skill(15))
    kit.write(repo, "taxonomy/compositional_skills/writing/new/attribution.txt", "Eve\n")
    assert kit.summary(changed()) == [("added", new, ("inputs",))]


def test_attribution_of_a_deleted_leaf_does_not_resurrect_it(repo, changed, kit):
    kit.git(repo, "rm", "-q", SYN)
    assert kit.summary(changed()) == [("deleted", SYN, ("inputs",))]


def test_document_only_change(repo, changed, kit):
    kit.write(repo, "documents/water_cycle/cycle.md", "# The water cycle\n\nWater condenses.\n")
    kit.commit_all(repo)
    result = changed()
    assert kit.summary(result) == [("modified", WATER, ("document",))]
    assert result.changes[0].needs_generation


def test_document_file_not_selected_by_patterns_does_not_count(repo, changed, kit):
    kit.write(repo, "documents/water_cycle/notes.txt", "edited\n")
    kit.write(repo, "documents/water_cycle/sub/deep.md", "not at the top level\n")
    kit.write(repo, "documents/other/cycle.md", "another directory\n")
    assert changed().changes == ()


def test_new_document_file_and_deleted_document_file_count(repo, changed, kit):
    kit.write(repo, "documents/water_cycle/rain.md", "Rain falls.\n")
    assert kit.summary(changed()) == [("modified", WATER, ("document",))]
    kit.commit_all(repo)
    kit.git(repo, "rm", "-q", "documents/water_cycle/cycle.md", "documents/water_cycle/rain.md")
    assert kit.summary(changed()) == [("modified", WATER, ("document",))]


def test_document_change_adds_a_reason_to_an_edited_leaf(repo, changed, kit):
    kit.write(repo, "documents/water_cycle/cycle.md", "changed\n")
    kit.write(repo, WATER, kit.KNOWLEDGE.replace("Oceans.", "The oceans."))
    assert kit.summary(changed()) == [("modified", WATER, ("document", "inputs"))]


def test_document_referenced_with_dot_slash_and_quotes(repo, changed, kit):
    kit.write(
        repo,
        WATER,
        kit.KNOWLEDGE.replace("repo: documents/water_cycle", "repo: './documents/water_cycle/'"),
    )
    kit.commit_all(repo)
    kit.git(repo, "branch", "-f", "main", "HEAD")
    kit.write(repo, "documents/water_cycle/cycle.md", "changed\n")
    assert kit.summary(changed()) == [("modified", WATER, ("document",))]


def test_non_leaf_yaml_never_counts_and_misnamed_leaves_are_ignored(repo, changed, kit):
    kit.write(repo, "docs/template_qna.yaml", kit.SKILL.replace("Glad.", "Changed."))
    kit.write(repo, "taxonomy/README.yaml", "a: 1\n")
    kit.write(repo, "config/settings.yml", "a: 1\n")
    kit.write(repo, "taxonomy/compositional_skills/writing/poems/qna.yml", kit.skill(20))
    kit.write(repo, "taxonomy/compositional_skills/writing/odes/QNA.yaml", kit.skill(21))
    kit.write(repo, "taxonomy/knowledge/qna.yaml", kit.KNOWLEDGE)
    result = changed()
    assert result.changes == ()
    assert [(i.path, i.reason.split(":")[0]) for i in result.ignored] == [
        ("taxonomy/compositional_skills/writing/odes/QNA.yaml", "not a leaf"),
        ("taxonomy/compositional_skills/writing/poems/qna.yml", "not a leaf"),
        (
            "taxonomy/knowledge/qna.yaml",
            "a leaf must be in a directory below knowledge/, not at its top",
        ),
    ]


def test_leaf_renamed_to_a_misnamed_file_is_deleted_plus_ignored(repo, changed, kit):
    kit.git(repo, "mv", SYN, SYN.replace("qna.yaml", "qna.yml"))
    result = changed()
    assert kit.summary(result) == [("deleted", SYN, ("inputs",))]
    assert [i.path for i in result.ignored] == [SYN.replace("qna.yaml", "qna.yml")]


@pytest.mark.parametrize("side", ["old", "new"])
def test_unparseable_version_counts_as_inputs(repo, changed, kit, side):
    broken = "version: 3\nseed_examples: [unclosed\n"
    if side == "old":
        kit.write(repo, SYN, broken)
        kit.commit_all(repo, "broken")
        kit.git(repo, "branch", "-f", "main", "HEAD")
        kit.write(repo, SYN, kit.skill(1))
    else:
        kit.write(repo, SYN, broken)
    assert kit.summary(changed()) == [("modified", SYN, ("inputs",))]


def test_binary_and_oversized_leaf_counts_as_inputs(repo, changed, kit):
    (repo / SYN).write_bytes(b"\x00\xff" * 10)
    (repo / LOGIC).write_text(kit.skill(2) + "# pad\n" * 400_000, encoding="utf-8")
    assert kit.summary(changed()) == [
        ("modified", SYN, ("inputs",)),
        ("modified", LOGIC, ("inputs",)),
    ]


def test_mode_change_only_is_metadata(repo, changed, kit):
    (repo / SYN).chmod(0o755)
    assert kit.summary(changed()) == [("modified", SYN, ("metadata",))]


def test_paths_with_spaces_and_non_ascii(repo, changed, kit):
    odd = "taxonomy/compositional_skills/langues étrangères/mots à dire/qna.yaml"
    kit.write(repo, odd, kit.skill(30))
    kit.commit_all(repo)
    kit.git(repo, "branch", "-f", "main", "HEAD")
    kit.write(repo, odd, kit.skill(30).replace("Glad.", "Content."))
    renamed = "taxonomy/compositional_skills/langues étrangères/日本語 テスト/qna.yaml"
    kit.write(repo, renamed, kit.skill(31))
    result = changed()
    assert kit.summary(result) == [
        ("modified", odd, ("inputs",)),
        ("added", renamed, ("inputs",)),
    ]
    assert result.changes[1].leaf_id == "compositional_skills/langues étrangères/日本語 テスト"


def test_detached_head(repo, changed, kit):
    kit.write(repo, SYN, kit.skill(1).replace("Glad.", "Elated."))
    kit.commit_all(repo)
    kit.git(repo, "checkout", "-q", "--detach", "HEAD")
    assert kit.summary(changed()) == [("modified", SYN, ("inputs",))]


def test_base_given_as_a_commit_sha_and_as_a_tag(repo, changed, kit):
    sha = kit.git(repo, "rev-parse", "main").strip()
    kit.git(repo, "tag", "v1", "main")
    kit.write(repo, SYN, kit.skill(1).replace("Glad.", "Elated."))
    kit.commit_all(repo)
    assert (
        kit.summary(changed(sha)) == kit.summary(changed("v1")) == [("modified", SYN, ("inputs",))]
    )


def test_unknown_base_is_a_clear_error(repo, changed):
    with pytest.raises(LabtaxError) as caught:
        changed("no-such-branch")
    assert "unknown ref 'no-such-branch'" in caught.value.message
    assert "git fetch" in caught.value.hint


def test_default_base_is_main_without_a_remote(repo, changed, kit):
    kit.write(repo, SYN, kit.skill(1).replace("Glad.", "Elated."))
    result = changed(None)
    assert result.base == "main"
    assert kit.summary(result) == [("modified", SYN, ("inputs",))]


def test_default_base_without_main_is_a_clear_error(repo, changed, kit):
    kit.git(repo, "branch", "-m", "main", "trunk")
    with pytest.raises(LabtaxError, match="unknown ref 'main'"):
        changed(None)


def test_default_base_follows_the_remote_head(tmp_path, monkeypatch, kit):
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    kit.git(upstream, "init", "-q", "-b", "trunk")
    kit.write(upstream, "taxonomy/compositional_skills/a/qna.yaml", kit.skill(40))
    kit.commit_all(upstream, "base")
    clone = tmp_path / "clone"
    kit.git(tmp_path, "clone", "-q", upstream.as_uri(), str(clone))
    kit.git(clone, "checkout", "-q", "-b", "work")
    kit.write(clone, "taxonomy/compositional_skills/b/qna.yaml", kit.skill(41))
    result = changed_leaves(load_config(clone))
    assert result.base == "origin/trunk"
    assert [c.leaf_id for c in result.changes] == ["compositional_skills/b"]


def test_not_a_git_repository(tmp_path, kit):
    (tmp_path / "taxonomy" / "knowledge").mkdir(parents=True)
    with pytest.raises(LabtaxError, match="not a git repository") as caught:
        changed_leaves(load_config(tmp_path))
    assert "git" in caught.value.hint


def test_repository_without_commits(tmp_path, kit):
    kit.git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "taxonomy").mkdir()
    with pytest.raises(LabtaxError, match="unknown ref 'main'"):
        changed_leaves(load_config(tmp_path))


def test_unrelated_histories_are_a_clear_error(repo, changed, kit):
    kit.git(repo, "checkout", "-q", "--orphan", "alone")
    kit.commit_all(repo, "unrelated")
    with pytest.raises(LabtaxError, match="no common ancestor"):
        changed()


def test_taxonomy_at_the_repository_root(tmp_path, monkeypatch, kit):
    """InstructLab's own taxonomy repository keeps the three branches at its root."""
    kit.git(tmp_path, "init", "-q", "-b", "main")
    kit.write(tmp_path, "compositional_skills/a/b/qna.yaml", kit.skill(50))
    kit.write(tmp_path, "docs/template_qna.yaml", kit.SKILL)
    kit.commit_all(tmp_path, "base")
    kit.write(tmp_path, "compositional_skills/a/b/qna.yaml", kit.skill(51))
    kit.write(tmp_path, "docs/template_qna.yaml", kit.SKILL + "# more\n")
    result = changed_leaves(load_config(tmp_path))
    assert kit.summary(result) == [("modified", "compositional_skills/a/b/qna.yaml", ("inputs",))]
    assert result.changes[0].leaf_id == "compositional_skills/a/b"


def test_project_in_a_subdirectory_of_the_repository(tmp_path, kit):
    kit.git(tmp_path, "init", "-q", "-b", "main")
    project = tmp_path / "labs" / "tax"
    kit.write(project, "labtax.toml", 'taxonomy = "taxonomy"\n')
    kit.write(project, "taxonomy/knowledge/a/b/qna.yaml", kit.KNOWLEDGE)
    kit.write(project, "documents/water_cycle/cycle.md", "one\n")
    kit.commit_all(tmp_path, "base")
    kit.write(project, "documents/water_cycle/cycle.md", "two\n")
    result = changed_leaves(load_config(project))
    assert kit.summary(result) == [("modified", "taxonomy/knowledge/a/b/qna.yaml", ("document",))]


def test_generated_data_is_never_considered(repo, changed, kit):
    kit.write(repo, "generated/compositional_skills/linguistics/synonyms/qna.yaml", kit.skill(1))
    kit.write(repo, "generated/compositional_skills/linguistics/synonyms/samples.jsonl", "{}\n")
    assert changed().changes == ()
    assert changed().ignored == ()


def test_result_is_deterministic_and_sorted(repo, changed, kit):
    for n in (3, 1, 2):
        kit.write(repo, f"taxonomy/compositional_skills/z{n}/qna.yaml", kit.skill(60 + n))
    first, second = changed(), changed()
    assert first == second
    assert [c.path for c in first.changes] == sorted(c.path for c in first.changes)


def test_reading_is_read_only(repo, changed, kit):
    index = repo / ".git" / "index"
    kit.write(repo, "taxonomy/compositional_skills/writing/new/qna.yaml", kit.skill(70))
    before = index.read_bytes()
    changed()
    assert index.read_bytes() == before
    assert "?? taxonomy/" in kit.git(repo, "status", "--porcelain")


def test_symlinked_leaf_is_reported_at_its_own_path(repo, changed, kit):
    link = repo / "taxonomy/compositional_skills/linguistics/alias"
    link.mkdir()
    (link / "qna.yaml").symlink_to(repo / SYN)
    result = changed()
    assert kit.summary(result) == [
        ("added", "taxonomy/compositional_skills/linguistics/alias/qna.yaml", ("inputs",))
    ]


def test_leaf_files_inside_hidden_directories_are_ignored(repo, changed, kit):
    kit.write(repo, "taxonomy/compositional_skills/.drafts/x/qna.yaml", kit.skill(80))
    result = changed()
    assert result.changes == ()
    assert [i.path for i in result.ignored] == ["taxonomy/compositional_skills/.drafts/x/qna.yaml"]


def test_change_set_exposes_what_to_generate(repo, changed, kit):
    kit.write(repo, SYN, kit.skill(1).replace("created_by: alice", "created_by: zed"))
    kit.write(repo, LOGIC, kit.skill(2).replace("Glad.", "Pleased."))
    result = changed()
    assert [c.path for c in result.to_generate] == [LOGIC]


def test_runs_from_a_subdirectory(repo, changed, kit, monkeypatch):
    monkeypatch.chdir(repo / "taxonomy")
    kit.write(repo, SYN, kit.skill(1).replace("Glad.", "Merry."))
    result = changed_leaves(load_config(Path.cwd()), "main")
    assert kit.summary(result) == [("modified", SYN, ("inputs",))]


def test_attribution_moving_with_its_leaf_is_not_an_attribution_change(repo, changed, kit):
    kit.git(
        repo,
        "mv",
        "taxonomy/compositional_skills/linguistics/synonyms",
        "taxonomy/compositional_skills/linguistics/words",
    )
    (change,) = changed().changes
    assert (change.status, change.reasons) == ("renamed", ("metadata",))


def test_attribution_moving_to_another_leaf_changes_both(repo, changed, kit):
    kit.git(
        repo,
        "mv",
        "taxonomy/compositional_skills/linguistics/synonyms/attribution.txt",
        "taxonomy/foundational_skills/reasoning/logic/attribution.txt",
    )
    assert kit.summary(changed()) == [
        ("modified", SYN, ("attribution",)),
        ("modified", LOGIC, ("attribution",)),
    ]


def test_document_in_a_directory_with_special_characters_and_flow_style(repo, changed, kit):
    odd_dir = "documents/water (v2)+[draft] ü"
    kit.write(repo, f"{odd_dir}/a.md", "one\n")
    text = kit.KNOWLEDGE.split("document:")[0]
    text += f'document: {{repo: "{odd_dir}", commit: local, patterns: ["**/*.md"]}}\n'
    kit.write(repo, WATER, text)
    kit.commit_all(repo)
    kit.git(repo, "branch", "-f", "main", "HEAD")
    kit.write(repo, f"{odd_dir}/deeper/b.md", "two\n")
    assert kit.summary(changed()) == [("modified", WATER, ("document",))]


def test_document_change_counts_for_every_leaf_that_selects_it(repo, changed, kit):
    other = "taxonomy/knowledge/science/rain/qna.yaml"
    kit.write(repo, other, kit.KNOWLEDGE.replace('"*.md"', "cycle.md"))
    third = "taxonomy/knowledge/science/snow/qna.yaml"
    kit.write(repo, third, kit.KNOWLEDGE.replace('"*.md"', "other.md"))
    kit.commit_all(repo)
    kit.git(repo, "branch", "-f", "main", "HEAD")
    kit.write(repo, "documents/water_cycle/cycle.md", "changed\n")
    assert kit.summary(changed()) == [
        ("modified", other, ("document",)),
        ("modified", WATER, ("document",)),
    ]


def test_untracked_knowledge_leaf_with_a_changed_document(repo, changed, kit):
    new = "taxonomy/knowledge/science/fog/qna.yaml"
    kit.write(repo, new, kit.KNOWLEDGE)
    kit.write(repo, "documents/water_cycle/cycle.md", "changed\n")
    assert kit.summary(changed()) == [
        ("added", new, ("inputs",)),
        ("modified", WATER, ("document",)),
    ]


def test_during_a_merge_conflict(repo, changed, kit):
    kit.write(repo, SYN, kit.skill(1).replace("Glad.", "Topic."))
    kit.commit_all(repo, "topic")
    kit.git(repo, "checkout", "-q", "main")
    kit.write(repo, SYN, kit.skill(1).replace("Glad.", "Main."))
    kit.commit_all(repo, "main")
    kit.git(repo, "checkout", "-q", "topic")
    with pytest.raises(subprocess.CalledProcessError):
        kit.git(repo, "merge", "-q", "main")
    result = changed()
    assert kit.summary(result) == [("modified", SYN, ("inputs",))]

"""`changed_leaves` against real repositories: statuses, reasons, and what never counts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import topicrepo
from gitrepo import git
from labtax.changes import Change, changed_among, changed_leaves
from labtax.config import load_config
from labtax.errors import LabtaxError

SYN = "taxonomy/compositional_skills/linguistics/synonyms/qna.yaml"
LOGIC = "taxonomy/foundational_skills/reasoning/logic/qna.yaml"
WATER = "taxonomy/knowledge/science/water/qna.yaml"


def test_no_changes_is_an_empty_set(topic_repo, changed):
    result = changed()
    assert result.changes == ()
    assert result.ignored == ()
    assert result.base == "main"
    assert result.merge_base == result.head


def test_added_leaf(topic_repo, changed):
    topicrepo.write(
        topic_repo, "taxonomy/compositional_skills/writing/poems/qna.yaml", topicrepo.skill(10)
    )
    topicrepo.commit_all(topic_repo)
    result = changed()
    assert topicrepo.summary(result) == [
        ("added", "taxonomy/compositional_skills/writing/poems/qna.yaml", ("inputs",))
    ]
    (change,) = result.changes
    assert change.leaf_id == "compositional_skills/writing/poems"
    assert change.needs_generation


def test_modified_leaf_inputs(topic_repo, changed):
    topicrepo.write(topic_repo, SYN, topicrepo.skill(1).replace("Glad.", "Cheerful."))
    topicrepo.commit_all(topic_repo)
    assert topicrepo.summary(changed()) == [("modified", SYN, ("inputs",))]


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
def test_metadata_only_modification(topic_repo, changed, edit):
    before = topicrepo.skill(1)
    after = edit(before)
    assert after != before
    topicrepo.write(topic_repo, SYN, after)
    topicrepo.commit_all(topic_repo)
    result = changed()
    assert topicrepo.summary(result) == [("modified", SYN, ("metadata",))]
    assert not result.changes[0].needs_generation


def test_pure_rename(topic_repo, changed):
    git(
        topic_repo,
        "mv",
        "taxonomy/compositional_skills/linguistics/synonyms",
        "taxonomy/compositional_skills/linguistics/words",
    )
    topicrepo.commit_all(topic_repo)
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


def test_rename_with_edit(topic_repo, changed):
    git(
        topic_repo,
        "mv",
        "taxonomy/compositional_skills/linguistics/synonyms",
        "taxonomy/compositional_skills/linguistics/words",
    )
    new = "taxonomy/compositional_skills/linguistics/words/qna.yaml"
    topicrepo.write(topic_repo, new, topicrepo.skill(1).replace("Large.", "Huge."))
    topicrepo.commit_all(topic_repo)
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


def test_rename_across_branches_changes_the_kind(topic_repo, changed):
    """Moving a skill under a `grounded` directory makes it grounded: the teacher input changes."""
    git(
        topic_repo,
        "mv",
        "taxonomy/compositional_skills/linguistics",
        "taxonomy/compositional_skills/grounded",
    )
    topicrepo.commit_all(topic_repo)
    (change,) = changed().changes
    assert change.status == "renamed"
    assert change.reasons == ("inputs",)


def test_deleted_leaf(topic_repo, changed):
    git(topic_repo, "rm", "-q", "-r", "taxonomy/compositional_skills/linguistics/synonyms")
    topicrepo.commit_all(topic_repo)
    result = changed()
    assert topicrepo.summary(result) == [("deleted", SYN, ("inputs",))]
    assert not result.changes[0].needs_generation


def test_delete_of_many_leaves_at_once(topic_repo, changed):
    for n in range(120):
        topicrepo.write(
            topic_repo,
            f"taxonomy/compositional_skills/bulk/leaf_{n:03d}/qna.yaml",
            topicrepo.skill(100 + n),
        )
    topicrepo.commit_all(topic_repo, "many leaves")
    git(topic_repo, "branch", "-f", "main", "HEAD")
    git(topic_repo, "rm", "-q", "-r", "taxonomy/compositional_skills/bulk")
    topicrepo.commit_all(topic_repo, "delete them")
    result = changed()
    assert len(result.changes) == 120
    assert {c.status for c in result.changes} == {"deleted"}
    assert [c.leaf_id for c in result.changes] == [
        f"compositional_skills/bulk/leaf_{n:03d}" for n in range(120)
    ]


def test_branch_that_merged_the_base_back_in_reports_only_its_own_changes(topic_repo, changed):
    topicrepo.write(topic_repo, SYN, topicrepo.skill(1).replace("Glad.", "Joyful."))
    topicrepo.commit_all(topic_repo, "topic work")
    git(topic_repo, "checkout", "-q", "main")
    topicrepo.write(topic_repo, LOGIC, topicrepo.skill(2).replace("Quick.", "Rapid."))
    topicrepo.write(
        topic_repo,
        "taxonomy/knowledge/history/rome/qna.yaml",
        topicrepo.KNOWLEDGE.replace("water", "rome"),
    )
    topicrepo.commit_all(topic_repo, "main moves on")
    git(topic_repo, "checkout", "-q", "topic")
    git(topic_repo, "merge", "-q", "--no-edit", "main")
    topicrepo.write(
        topic_repo, "taxonomy/compositional_skills/writing/poems/qna.yaml", topicrepo.skill(11)
    )
    topicrepo.commit_all(topic_repo, "more topic work")
    # main gains another commit after the merge: still not the branch's change
    git(topic_repo, "checkout", "-q", "main")
    topicrepo.write(topic_repo, LOGIC, topicrepo.skill(2).replace("Quick.", "Speedy."))
    topicrepo.commit_all(topic_repo, "main again")
    git(topic_repo, "checkout", "-q", "topic")
    assert topicrepo.summary(changed()) == [
        ("modified", SYN, ("inputs",)),
        ("added", "taxonomy/compositional_skills/writing/poems/qna.yaml", ("inputs",)),
    ]


def test_untracked_new_leaf(topic_repo, changed):
    topicrepo.write(
        topic_repo, "taxonomy/compositional_skills/writing/new/qna.yaml", topicrepo.skill(12)
    )
    new = "taxonomy/compositional_skills/writing/new/qna.yaml"
    assert topicrepo.summary(changed()) == [("added", new, ("inputs",))]
    assert changed(untracked=False).changes == ()


def test_untracked_leaf_ignored_by_gitignore(topic_repo, changed):
    topicrepo.write(topic_repo, ".gitignore", "scratch/\n")
    topicrepo.write(
        topic_repo, "taxonomy/compositional_skills/scratch/qna.yaml", topicrepo.skill(13)
    )
    topicrepo.commit_all(topic_repo, "ignore scratch")
    assert changed().changes == ()


def test_staged_but_uncommitted(topic_repo, changed):
    topicrepo.write(topic_repo, LOGIC, topicrepo.skill(2).replace("Large.", "Vast."))
    git(topic_repo, "add", LOGIC)
    assert topicrepo.summary(changed()) == [("modified", LOGIC, ("inputs",))]


def test_unstaged_change_and_staged_change_reverted_in_the_tree(topic_repo, changed):
    topicrepo.write(topic_repo, LOGIC, topicrepo.skill(2).replace("Large.", "Vast."))
    git(topic_repo, "add", LOGIC)
    topicrepo.write(
        topic_repo, LOGIC, topicrepo.skill(2)
    )  # the working tree wins: nothing changed after all
    topicrepo.write(topic_repo, SYN, topicrepo.skill(1).replace("Large.", "Vast."))  # unstaged
    assert topicrepo.summary(changed()) == [("modified", SYN, ("inputs",))]


def test_plain_mv_is_a_rename_when_untracked_files_count(topic_repo, changed):
    src = topic_repo / "taxonomy/compositional_skills/linguistics/synonyms"
    src.rename(topic_repo / "taxonomy/compositional_skills/linguistics/words")
    (change,) = changed().changes
    assert (change.status, change.old_path, change.similarity) == ("renamed", SYN, 100)
    # without untracked files only the deletion is visible
    assert topicrepo.summary(changed(untracked=False)) == [("deleted", SYN, ("inputs",))]


def test_attribution_only_change(topic_repo, changed):
    topicrepo.write(
        topic_repo,
        "taxonomy/compositional_skills/linguistics/synonyms/attribution.txt",
        "Alice, Bob\n",
    )
    topicrepo.commit_all(topic_repo)
    result = changed()
    assert topicrepo.summary(result) == [("modified", SYN, ("attribution",))]
    assert not result.changes[0].needs_generation


def test_attribution_added_to_a_leaf_and_with_an_edit(topic_repo, changed):
    topicrepo.write(
        topic_repo, "taxonomy/foundational_skills/reasoning/logic/attribution.txt", "Carol\n"
    )
    topicrepo.write(topic_repo, SYN, topicrepo.skill(1).replace("Glad.", "Merry."))
    topicrepo.write(
        topic_repo, "taxonomy/compositional_skills/linguistics/synonyms/attribution.txt", "Dan\n"
    )
    assert topicrepo.summary(changed()) == [
        ("modified", SYN, ("attribution", "inputs")),
        ("modified", LOGIC, ("attribution",)),
    ]


def test_added_leaf_with_attribution_counts_only_as_new(topic_repo, changed):
    new = "taxonomy/compositional_skills/writing/new/qna.yaml"
    topicrepo.write(topic_repo, new, topicrepo.skill(15))
    topicrepo.write(
        topic_repo, "taxonomy/compositional_skills/writing/new/attribution.txt", "Eve\n"
    )
    assert topicrepo.summary(changed()) == [("added", new, ("inputs",))]


def test_attribution_of_a_deleted_leaf_does_not_resurrect_it(topic_repo, changed):
    git(topic_repo, "rm", "-q", SYN)
    assert topicrepo.summary(changed()) == [("deleted", SYN, ("inputs",))]


def test_document_only_change(topic_repo, changed):
    topicrepo.write(
        topic_repo, "documents/water_cycle/cycle.md", "# The water cycle\n\nWater condenses.\n"
    )
    topicrepo.commit_all(topic_repo)
    result = changed()
    assert topicrepo.summary(result) == [("modified", WATER, ("document",))]
    assert result.changes[0].needs_generation


def test_document_file_not_selected_by_patterns_does_not_count(topic_repo, changed):
    topicrepo.write(topic_repo, "documents/water_cycle/notes.txt", "edited\n")
    topicrepo.write(topic_repo, "documents/water_cycle/sub/deep.md", "not at the top level\n")
    topicrepo.write(topic_repo, "documents/other/cycle.md", "another directory\n")
    assert changed().changes == ()


def test_new_document_file_and_deleted_document_file_count(topic_repo, changed):
    topicrepo.write(topic_repo, "documents/water_cycle/rain.md", "Rain falls.\n")
    assert topicrepo.summary(changed()) == [("modified", WATER, ("document",))]
    topicrepo.commit_all(topic_repo)
    git(topic_repo, "rm", "-q", "documents/water_cycle/cycle.md", "documents/water_cycle/rain.md")
    assert topicrepo.summary(changed()) == [("modified", WATER, ("document",))]


def test_document_change_adds_a_reason_to_an_edited_leaf(topic_repo, changed):
    topicrepo.write(topic_repo, "documents/water_cycle/cycle.md", "changed\n")
    topicrepo.write(topic_repo, WATER, topicrepo.KNOWLEDGE.replace("Oceans.", "The oceans."))
    assert topicrepo.summary(changed()) == [("modified", WATER, ("document", "inputs"))]


def test_document_referenced_with_dot_slash_and_quotes(topic_repo, changed):
    topicrepo.write(
        topic_repo,
        WATER,
        topicrepo.KNOWLEDGE.replace(
            "repo: documents/water_cycle", "repo: './documents/water_cycle/'"
        ),
    )
    topicrepo.commit_all(topic_repo)
    git(topic_repo, "branch", "-f", "main", "HEAD")
    topicrepo.write(topic_repo, "documents/water_cycle/cycle.md", "changed\n")
    assert topicrepo.summary(changed()) == [("modified", WATER, ("document",))]


def test_non_leaf_yaml_never_counts_and_misnamed_leaves_are_ignored(topic_repo, changed):
    topicrepo.write(
        topic_repo, "docs/template_qna.yaml", topicrepo.SKILL.replace("Glad.", "Changed.")
    )
    topicrepo.write(topic_repo, "taxonomy/README.yaml", "a: 1\n")
    topicrepo.write(topic_repo, "config/settings.yml", "a: 1\n")
    topicrepo.write(
        topic_repo, "taxonomy/compositional_skills/writing/poems/qna.yml", topicrepo.skill(20)
    )
    topicrepo.write(
        topic_repo, "taxonomy/compositional_skills/writing/odes/QNA.yaml", topicrepo.skill(21)
    )
    topicrepo.write(topic_repo, "taxonomy/knowledge/qna.yaml", topicrepo.KNOWLEDGE)
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


def test_leaf_renamed_to_a_misnamed_file_is_deleted_plus_ignored(topic_repo, changed):
    git(topic_repo, "mv", SYN, SYN.replace("qna.yaml", "qna.yml"))
    result = changed()
    assert topicrepo.summary(result) == [("deleted", SYN, ("inputs",))]
    assert [i.path for i in result.ignored] == [SYN.replace("qna.yaml", "qna.yml")]


@pytest.mark.parametrize("side", ["old", "new"])
def test_unparseable_version_counts_as_inputs(topic_repo, changed, side):
    broken = "version: 3\nseed_examples: [unclosed\n"
    if side == "old":
        topicrepo.write(topic_repo, SYN, broken)
        topicrepo.commit_all(topic_repo, "broken")
        git(topic_repo, "branch", "-f", "main", "HEAD")
        topicrepo.write(topic_repo, SYN, topicrepo.skill(1))
    else:
        topicrepo.write(topic_repo, SYN, broken)
    assert topicrepo.summary(changed()) == [("modified", SYN, ("inputs",))]


def test_binary_and_oversized_leaf_counts_as_inputs(topic_repo, changed):
    (topic_repo / SYN).write_bytes(b"\x00\xff" * 10)
    (topic_repo / LOGIC).write_text(topicrepo.skill(2) + "# pad\n" * 400_000, encoding="utf-8")
    assert topicrepo.summary(changed()) == [
        ("modified", SYN, ("inputs",)),
        ("modified", LOGIC, ("inputs",)),
    ]


def test_mode_change_only_is_metadata(topic_repo, changed):
    (topic_repo / SYN).chmod(0o755)
    assert topicrepo.summary(changed()) == [("modified", SYN, ("metadata",))]


def test_paths_with_spaces_and_non_ascii(topic_repo, changed):
    odd = "taxonomy/compositional_skills/langues étrangères/mots à dire/qna.yaml"
    topicrepo.write(topic_repo, odd, topicrepo.skill(30))
    topicrepo.commit_all(topic_repo)
    git(topic_repo, "branch", "-f", "main", "HEAD")
    topicrepo.write(topic_repo, odd, topicrepo.skill(30).replace("Glad.", "Content."))
    renamed = "taxonomy/compositional_skills/langues étrangères/日本語 テスト/qna.yaml"
    topicrepo.write(topic_repo, renamed, topicrepo.skill(31))
    result = changed()
    assert topicrepo.summary(result) == [
        ("modified", odd, ("inputs",)),
        ("added", renamed, ("inputs",)),
    ]
    assert result.changes[1].leaf_id == "compositional_skills/langues étrangères/日本語 テスト"


def test_detached_head(topic_repo, changed):
    topicrepo.write(topic_repo, SYN, topicrepo.skill(1).replace("Glad.", "Elated."))
    topicrepo.commit_all(topic_repo)
    git(topic_repo, "checkout", "-q", "--detach", "HEAD")
    assert topicrepo.summary(changed()) == [("modified", SYN, ("inputs",))]


def test_base_given_as_a_commit_sha_and_as_a_tag(topic_repo, changed):
    sha = git(topic_repo, "rev-parse", "main").strip()
    git(topic_repo, "tag", "v1", "main")
    topicrepo.write(topic_repo, SYN, topicrepo.skill(1).replace("Glad.", "Elated."))
    topicrepo.commit_all(topic_repo)
    assert (
        topicrepo.summary(changed(sha))
        == topicrepo.summary(changed("v1"))
        == [("modified", SYN, ("inputs",))]
    )


def test_unknown_base_is_a_clear_error(topic_repo, changed):
    with pytest.raises(LabtaxError) as caught:
        changed("no-such-branch")
    assert "unknown ref 'no-such-branch'" in caught.value.message
    assert "git fetch" in caught.value.hint


def test_default_base_is_main_without_a_remote(topic_repo, changed):
    topicrepo.write(topic_repo, SYN, topicrepo.skill(1).replace("Glad.", "Elated."))
    result = changed(None)
    assert result.base == "main"
    assert topicrepo.summary(result) == [("modified", SYN, ("inputs",))]


def test_default_base_without_main_is_a_clear_error(topic_repo, changed):
    git(topic_repo, "branch", "-m", "main", "trunk")
    with pytest.raises(LabtaxError, match="unknown ref 'main'"):
        changed(None)


def test_default_base_follows_the_remote_head(tmp_path, monkeypatch):
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    git(upstream, "init", "-q", "-b", "trunk")
    topicrepo.write(upstream, "taxonomy/compositional_skills/a/qna.yaml", topicrepo.skill(40))
    topicrepo.commit_all(upstream, "base")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", upstream.as_uri(), str(clone))
    git(clone, "checkout", "-q", "-b", "work")
    topicrepo.write(clone, "taxonomy/compositional_skills/b/qna.yaml", topicrepo.skill(41))
    result = changed_leaves(load_config(clone))
    assert result.base == "origin/trunk"
    assert [c.leaf_id for c in result.changes] == ["compositional_skills/b"]


def test_not_a_git_repository(tmp_path):
    (tmp_path / "taxonomy" / "knowledge").mkdir(parents=True)
    with pytest.raises(LabtaxError, match="not a git repository") as caught:
        changed_leaves(load_config(tmp_path))
    assert "git" in caught.value.hint


def test_repository_without_commits(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "taxonomy").mkdir()
    with pytest.raises(LabtaxError, match="unknown ref 'main'"):
        changed_leaves(load_config(tmp_path))


def test_unrelated_histories_are_a_clear_error(topic_repo, changed):
    git(topic_repo, "checkout", "-q", "--orphan", "alone")
    topicrepo.commit_all(topic_repo, "unrelated")
    with pytest.raises(LabtaxError, match="no common ancestor"):
        changed()


def test_taxonomy_at_the_repository_root(tmp_path, monkeypatch):
    """InstructLab's own taxonomy repository keeps the three branches at its root."""
    git(tmp_path, "init", "-q", "-b", "main")
    topicrepo.write(tmp_path, "compositional_skills/a/b/qna.yaml", topicrepo.skill(50))
    topicrepo.write(tmp_path, "docs/template_qna.yaml", topicrepo.SKILL)
    topicrepo.commit_all(tmp_path, "base")
    topicrepo.write(tmp_path, "compositional_skills/a/b/qna.yaml", topicrepo.skill(51))
    topicrepo.write(tmp_path, "docs/template_qna.yaml", topicrepo.SKILL + "# more\n")
    result = changed_leaves(load_config(tmp_path))
    assert topicrepo.summary(result) == [
        ("modified", "compositional_skills/a/b/qna.yaml", ("inputs",))
    ]
    assert result.changes[0].leaf_id == "compositional_skills/a/b"


def test_project_in_a_subdirectory_of_the_repository(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    project = tmp_path / "labs" / "tax"
    topicrepo.write(project, "labtax.toml", 'taxonomy = "taxonomy"\n')
    topicrepo.write(project, "taxonomy/knowledge/a/b/qna.yaml", topicrepo.KNOWLEDGE)
    topicrepo.write(project, "documents/water_cycle/cycle.md", "one\n")
    topicrepo.commit_all(tmp_path, "base")
    topicrepo.write(project, "documents/water_cycle/cycle.md", "two\n")
    result = changed_leaves(load_config(project))
    assert topicrepo.summary(result) == [
        ("modified", "taxonomy/knowledge/a/b/qna.yaml", ("document",))
    ]


def test_generated_data_is_never_considered(topic_repo, changed):
    topicrepo.write(
        topic_repo,
        "generated/compositional_skills/linguistics/synonyms/qna.yaml",
        topicrepo.skill(1),
    )
    topicrepo.write(
        topic_repo, "generated/compositional_skills/linguistics/synonyms/samples.jsonl", "{}\n"
    )
    assert changed().changes == ()
    assert changed().ignored == ()


def test_result_is_deterministic_and_sorted(topic_repo, changed):
    for n in (3, 1, 2):
        topicrepo.write(
            topic_repo, f"taxonomy/compositional_skills/z{n}/qna.yaml", topicrepo.skill(60 + n)
        )
    first, second = changed(), changed()
    assert first == second
    assert [c.path for c in first.changes] == sorted(c.path for c in first.changes)


def test_reading_is_read_only(topic_repo, changed):
    index = topic_repo / ".git" / "index"
    topicrepo.write(
        topic_repo, "taxonomy/compositional_skills/writing/new/qna.yaml", topicrepo.skill(70)
    )
    before = index.read_bytes()
    changed()
    assert index.read_bytes() == before
    assert "?? taxonomy/" in git(topic_repo, "status", "--porcelain")


def test_symlinked_leaf_is_reported_at_its_own_path(topic_repo, changed):
    link = topic_repo / "taxonomy/compositional_skills/linguistics/alias"
    link.mkdir()
    (link / "qna.yaml").symlink_to(topic_repo / SYN)
    result = changed()
    assert topicrepo.summary(result) == [
        ("added", "taxonomy/compositional_skills/linguistics/alias/qna.yaml", ("inputs",))
    ]


def test_leaf_files_inside_hidden_directories_are_ignored(topic_repo, changed):
    topicrepo.write(
        topic_repo, "taxonomy/compositional_skills/.drafts/x/qna.yaml", topicrepo.skill(80)
    )
    result = changed()
    assert result.changes == ()
    assert [i.path for i in result.ignored] == ["taxonomy/compositional_skills/.drafts/x/qna.yaml"]


def test_change_set_exposes_what_to_generate(topic_repo, changed):
    topicrepo.write(
        topic_repo, SYN, topicrepo.skill(1).replace("created_by: alice", "created_by: zed")
    )
    topicrepo.write(topic_repo, LOGIC, topicrepo.skill(2).replace("Glad.", "Pleased."))
    result = changed()
    assert [c.path for c in result.to_generate] == [LOGIC]


def test_runs_from_a_subdirectory(topic_repo, changed, monkeypatch):
    monkeypatch.chdir(topic_repo / "taxonomy")
    topicrepo.write(topic_repo, SYN, topicrepo.skill(1).replace("Glad.", "Merry."))
    result = changed_leaves(load_config(Path.cwd()), "main")
    assert topicrepo.summary(result) == [("modified", SYN, ("inputs",))]


def test_attribution_moving_with_its_leaf_is_not_an_attribution_change(topic_repo, changed):
    git(
        topic_repo,
        "mv",
        "taxonomy/compositional_skills/linguistics/synonyms",
        "taxonomy/compositional_skills/linguistics/words",
    )
    (change,) = changed().changes
    assert (change.status, change.reasons) == ("renamed", ("metadata",))


def test_attribution_moving_to_another_leaf_changes_both(topic_repo, changed):
    git(
        topic_repo,
        "mv",
        "taxonomy/compositional_skills/linguistics/synonyms/attribution.txt",
        "taxonomy/foundational_skills/reasoning/logic/attribution.txt",
    )
    assert topicrepo.summary(changed()) == [
        ("modified", SYN, ("attribution",)),
        ("modified", LOGIC, ("attribution",)),
    ]


def test_document_in_a_directory_with_special_characters_and_flow_style(topic_repo, changed):
    odd_dir = "documents/water (v2)+[draft] ü"
    topicrepo.write(topic_repo, f"{odd_dir}/a.md", "one\n")
    text = topicrepo.KNOWLEDGE.split("document:")[0]
    text += f'document: {{repo: "{odd_dir}", commit: local, patterns: ["**/*.md"]}}\n'
    topicrepo.write(topic_repo, WATER, text)
    topicrepo.commit_all(topic_repo)
    git(topic_repo, "branch", "-f", "main", "HEAD")
    topicrepo.write(topic_repo, f"{odd_dir}/deeper/b.md", "two\n")
    assert topicrepo.summary(changed()) == [("modified", WATER, ("document",))]


def test_document_change_counts_for_every_leaf_that_selects_it(topic_repo, changed):
    other = "taxonomy/knowledge/science/rain/qna.yaml"
    topicrepo.write(topic_repo, other, topicrepo.KNOWLEDGE.replace('"*.md"', "cycle.md"))
    third = "taxonomy/knowledge/science/snow/qna.yaml"
    topicrepo.write(topic_repo, third, topicrepo.KNOWLEDGE.replace('"*.md"', "other.md"))
    topicrepo.commit_all(topic_repo)
    git(topic_repo, "branch", "-f", "main", "HEAD")
    topicrepo.write(topic_repo, "documents/water_cycle/cycle.md", "changed\n")
    assert topicrepo.summary(changed()) == [
        ("modified", other, ("document",)),
        ("modified", WATER, ("document",)),
    ]


def test_untracked_knowledge_leaf_with_a_changed_document(topic_repo, changed):
    new = "taxonomy/knowledge/science/fog/qna.yaml"
    topicrepo.write(topic_repo, new, topicrepo.KNOWLEDGE)
    topicrepo.write(topic_repo, "documents/water_cycle/cycle.md", "changed\n")
    assert topicrepo.summary(changed()) == [
        ("added", new, ("inputs",)),
        ("modified", WATER, ("document",)),
    ]


def test_during_a_merge_conflict(topic_repo, changed):
    topicrepo.write(topic_repo, SYN, topicrepo.skill(1).replace("Glad.", "Topic."))
    topicrepo.commit_all(topic_repo, "topic")
    git(topic_repo, "checkout", "-q", "main")
    topicrepo.write(topic_repo, SYN, topicrepo.skill(1).replace("Glad.", "Main."))
    topicrepo.commit_all(topic_repo, "main")
    git(topic_repo, "checkout", "-q", "topic")
    with pytest.raises(subprocess.CalledProcessError):
        git(topic_repo, "merge", "-q", "main")
    result = changed()
    assert topicrepo.summary(result) == [("modified", SYN, ("inputs",))]


def _among(root: Path, *paths: str) -> list[str]:
    config = load_config(root)
    files = [root / p for p in paths]
    return sorted(p.relative_to(root).as_posix() for p in changed_among(config, files))


def test_changed_among_checks_just_the_given_leaves_and_their_attribution(topic_repo: Path):
    topicrepo.write(topic_repo, LOGIC, topicrepo.skill(2).replace("alice", "zoe"))
    (topic_repo / SYN).with_name("attribution.txt").write_text("Alice and Zoe\n")
    added = "taxonomy/compositional_skills/new/qna.yaml"
    topicrepo.write(topic_repo, added, topicrepo.skill(9))
    assert _among(topic_repo, SYN, LOGIC, WATER, added) == sorted([SYN, LOGIC, added])
    assert _among(topic_repo) == []
    # Committed on the branch still counts: the base is main's merge base, not HEAD.
    topicrepo.commit_all(topic_repo, "work")
    assert _among(topic_repo, SYN, LOGIC, WATER, added) == sorted([SYN, LOGIC, added])


def test_changed_among_without_a_base_outside_git_or_before_a_commit(tmp_path: Path):
    root = tmp_path / "repo"
    topicrepo.write(root, SYN, topicrepo.skill(1))
    topicrepo.write(root, LOGIC, topicrepo.skill(2))
    assert _among(root, SYN, LOGIC) == []  # not a repository: nothing is known to change
    git(root, "init", "-q", "-b", "trunk")
    assert _among(root, SYN, LOGIC) == sorted([LOGIC, SYN])  # no commit: everything is new
    topicrepo.commit_all(root, "base")
    topicrepo.write(root, LOGIC, topicrepo.skill(3))
    # No main and no remote: HEAD is the base.
    assert _among(root, SYN, LOGIC) == [LOGIC]

"""What the teacher sees of a leaf, local documents, and the inputs hash."""

from __future__ import annotations

from pathlib import Path

import pytest

import topicrepo
from labtax import inputs
from labtax.config import load_config
from labtax.inputs import (
    DocumentRef,
    document_files,
    document_ref,
    glob_match,
    inputs_hash,
    leaf_inputs,
    pattern_problem,
)
from labtax.leaves import load_file, load_text

WATER = "taxonomy/knowledge/science/water/qna.yaml"


def test_leaf_inputs_drop_metadata_and_keep_the_kind():
    leaf = load_text("x/qna.yaml", "compositional_skills/x", topicrepo.skill(1))
    inputs = leaf_inputs(leaf)
    assert inputs["kind"] == "freeform_skill"
    assert "version" not in inputs["data"]
    assert "created_by" not in inputs["data"]
    assert inputs["data"]["task_description"] == "Give synonyms for word number 1."


def test_a_leaf_key_named_kind_cannot_shadow_the_kind():
    leaf = load_text(
        "x/qna.yaml", "compositional_skills/x", topicrepo.skill(1) + "kind: knowledge\n"
    )
    assert leaf_inputs(leaf)["kind"] == "freeform_skill"


def test_document_ref_for_a_local_directory(topic_repo: Path):
    config = load_config(topic_repo)
    ref = document_ref(config, load_file(config, topic_repo / WATER))
    assert ref == DocumentRef(
        "documents/water_cycle", "local", ("*.md",), topic_repo.resolve() / "documents/water_cycle"
    )
    assert [p.name for p in document_files(ref)] == ["cycle.md"]


@pytest.mark.parametrize(
    "repo_value",
    [
        "https://github.com/org/docs",
        "git@github.com:org/docs.git",
        "file:///srv/docs",
        "/abs/path",
        "../outside",
        "docs/../../outside",
        ".",
        ".git",
        "documents/.hidden",
        "tools",
    ],
)
def test_document_ref_remote_or_escaping_has_no_local_dir(topic_repo: Path, repo_value):
    config = load_config(topic_repo)
    text = topicrepo.KNOWLEDGE.replace("repo: documents/water_cycle", f"repo: {repo_value}")
    leaf = load_text(WATER, "knowledge/science/water", text)
    ref = document_ref(config, leaf)
    assert ref is not None
    assert ref.local_dir is None
    assert document_files(ref) == []


def test_document_ref_is_none_for_skills_and_malformed_documents(topic_repo: Path):
    config = load_config(topic_repo)
    assert (
        document_ref(config, load_text("a", "compositional_skills/a", topicrepo.skill(1))) is None
    )
    broken = topicrepo.KNOWLEDGE.split("document:")[0] + "document: just text\n"
    assert document_ref(config, load_text("a", "knowledge/a", broken)) is None


def test_inputs_hash_follows_inputs_and_local_documents(topic_repo: Path):
    config = load_config(topic_repo)
    path = topic_repo / WATER
    first = inputs_hash(config, load_file(config, path))
    topicrepo.write(
        topic_repo, WATER, topicrepo.KNOWLEDGE.replace("created_by: bob", "created_by: eve")
    )
    assert inputs_hash(config, load_file(config, path)) == first  # metadata only
    topicrepo.write(topic_repo, "documents/water_cycle/notes.txt", "not selected\n")
    assert inputs_hash(config, load_file(config, path)) == first
    topicrepo.write(topic_repo, "documents/water_cycle/cycle.md", "edited\n")
    second = inputs_hash(config, load_file(config, path))
    assert second != first
    topicrepo.write(topic_repo, WATER, topicrepo.KNOWLEDGE.replace("Oceans.", "Seas."))
    assert inputs_hash(config, load_file(config, path)) not in {first, second}


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.md", "a.md", True),
        ("*.md", "sub/a.md", False),
        ("*.md", ".hidden.md", False),
        (".*.md", ".hidden.md", True),
        ("**/*.md", "a.md", True),
        ("**/*.md", "x/y/a.md", True),
        ("**/*.md", ".git/a.md", False),
        ("sub/**", "sub/x/y.txt", True),
        ("./chapter?.md", "chapter1.md", True),
        ("chapter[0-9].md", "chapter7.md", True),
        ("chapter[!0-9].md", "chapterx.md", True),
        ("chapter[!0-9].md", "chapter7.md", False),
        ("phoenix_constellation.md", "phoenix_constellation.md", True),
        ("a+b (1).md", "a+b (1).md", True),
    ],
)
def test_glob_match(pattern, path, expected):
    assert glob_match(pattern, path) is expected


def test_local_documents_never_include_hidden_files_or_symlinks(topic_repo: Path, tmp_path: Path):
    config = load_config(topic_repo)
    docs = topic_repo / "documents/water_cycle"
    (docs / ".env").write_text("API_KEY=x\n")
    (docs / ".notes").mkdir()
    (docs / ".notes" / "n.md").write_text("hidden folder\n")
    outside = tmp_path / "outside.md"
    outside.write_text("outside\n")
    (docs / "link.md").symlink_to(outside)
    text = topicrepo.KNOWLEDGE.replace('- "*.md"', "- '**'\n    - .env\n    - '**/.notes/*.md'")
    ref = document_ref(config, load_text(WATER, "knowledge/science/water", text))
    assert ref is not None
    assert ref.patterns == ("**", ".env", "**/.notes/*.md")
    assert [p.name for p in document_files(ref)] == ["cycle.md", "notes.txt"]


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("*.md", None),
        ("./docs/**/*.md", None),
        (".env", 'names a hidden or ".." path segment ".env"'),
        ("a/.git/config", 'names a hidden or ".." path segment ".git"'),
        ("../*.md", 'names a hidden or ".." path segment ".."'),
        ("/etc/*", "is an absolute path"),
    ],
)
def test_pattern_problem(pattern: str, problem: str | None):
    assert pattern_problem(pattern) == problem


def test_repeated_globstars_in_document_patterns_match_as_one() -> None:
    deep = "/".join(["d"] * 25)
    assert not inputs.glob_match("**/" * 30 + "x.md", f"{deep}/y.md")
    assert inputs.glob_match("**/" * 30 + "x.md", f"{deep}/x.md")
    assert inputs._compile("**/**/**/x.md").pattern == inputs._compile("**/x.md").pattern

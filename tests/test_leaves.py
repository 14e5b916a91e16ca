"""Leaves: finding every qna.yaml, their ids and kinds, and the typed view of their seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtax import leaves
from labtax.config import load_config
from labtax.leaves import LeafKind, SeedExample, load_text
from labtax.yamldoc import LoadProblem
from sampleleaves import HAIKU

KNOWLEDGE = """\
version: 3
domain: '  astronomy '
document_outline: Planets.
seed_examples:
  - context: Mars is red.
    questions_and_answers:
      - question: What colour is Mars?
        answer: Red.
      - question: '   '
        answer: Blank questions are skipped.
      - not a mapping
  - context: Venus is hot.
    questions_and_answers:
      - question: Is Venus hot?
        answer: Yes.
  - context: Nothing usable here.
    questions_and_answers: []
  - just text
"""


def write(root: Path, rel: str, text: str = HAIKU) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "labtax.toml").touch()
    write(tmp_path, "taxonomy/compositional_skills/b/qna.yaml")
    write(tmp_path, "taxonomy/compositional_skills/a/qna.yml")
    write(tmp_path, "taxonomy/compositional_skills/a/notes.YAML")
    write(tmp_path, "taxonomy/compositional_skills/a/readme.md", "not yaml\n")
    write(tmp_path, "taxonomy/compositional_skills/.drafts/x/qna.yaml")
    write(tmp_path, "taxonomy/compositional_skills/c/.hidden.yaml")
    write(tmp_path, "taxonomy/knowledge/k/qna.yaml", KNOWLEDGE)
    write(tmp_path, "taxonomy/misc/qna.yaml")  # not in a branch: not walked by default
    (tmp_path / "taxonomy/foundational_skills").mkdir()
    (tmp_path / "taxonomy/foundational_skills/link").symlink_to(tmp_path / "taxonomy/knowledge")
    return tmp_path


def test_discover_walks_the_branches_for_yaml_files_sorted(tree: Path) -> None:
    config = load_config(tree)
    found = [config.rel(p) for p in leaves.discover(config)]
    assert found == [
        "taxonomy/compositional_skills/a/notes.YAML",
        "taxonomy/compositional_skills/a/qna.yml",
        "taxonomy/compositional_skills/b/qna.yaml",
        "taxonomy/knowledge/k/qna.yaml",
    ]


def test_discover_of_given_paths(tree: Path) -> None:
    config = load_config(tree)
    taxonomy = config.taxonomy
    attribution = write(tree, "taxonomy/compositional_skills/b/attribution.txt", "me\n")
    orphan = write(tree, "taxonomy/compositional_skills/d/attribution.txt", "me\n")
    given = [taxonomy / "misc", attribution, orphan, taxonomy / "knowledge/k/qna.yaml"]
    found = [config.rel(p) for p in leaves.discover(config, [*given, tree / "missing.yaml"])]
    assert found == [
        "taxonomy/compositional_skills/b/qna.yaml",
        "taxonomy/knowledge/k/qna.yaml",
        "taxonomy/misc/qna.yaml",
    ]
    # A symlinked directory is never walked: it is handed to the loader, which reports it.
    link = taxonomy / "foundational_skills/link"
    assert leaves.discover(config, [link]) == [link]


def test_leaf_id_is_the_directory_below_the_taxonomy(tree: Path) -> None:
    config = load_config(tree)
    assert leaves.leaf_id_of(config, config.taxonomy / "knowledge/k/qna.yaml") == "knowledge/k"
    assert leaves.leaf_id_of(config, tree / "elsewhere/qna.yaml") is None


@pytest.mark.parametrize(
    ("leaf_id", "text", "kind"),
    [
        ("knowledge/a", "seed_examples: []\n", LeafKind.KNOWLEDGE),
        ("compositional_skills/grounded/a", "seed_examples: []\n", LeafKind.GROUNDED_SKILL),
        ("compositional_skills/a", "seed_examples:\n  - context: c\n", LeafKind.GROUNDED_SKILL),
        ("foundational_skills/a", "seed_examples:\n  - question: q\n", LeafKind.FREEFORM_SKILL),
        ("compositional_skills/grounded_x/a", "a: 1\n", LeafKind.FREEFORM_SKILL),
    ],
)
def test_the_kind_comes_from_the_branch_a_grounded_segment_or_a_context(
    leaf_id: str, text: str, kind: LeafKind
) -> None:
    assert load_text("q.yaml", leaf_id, text).kind is kind


def test_accessors_of_a_skill() -> None:
    leaf = load_text("t/q.yaml", "compositional_skills/writing/haiku", HAIKU)
    assert (leaf.path, leaf.branch, leaf.version) == ("t/q.yaml", "compositional_skills", 3)
    assert leaf.task_description == "Write a short, friendly haiku about an everyday object."
    assert (leaf.domain, leaf.document_outline) == ("", "")
    assert leaf.seed_count == 5
    assert leaf.seed_examples[0] == SeedExample(
        None,
        (
            (
                "Write a haiku about a teapot.",
                "Steam curls from the spout, a small storm in porcelain.",
            ),
        ),
    )
    assert len(leaf.seed_pairs) == 5
    assert leaf.text == HAIKU


def test_accessors_of_a_knowledge_leaf_skip_what_cannot_be_used() -> None:
    leaf = load_text("q.yaml", "knowledge/astronomy", KNOWLEDGE)
    assert leaf.domain == "astronomy"
    assert leaf.document_outline == "Planets."
    assert leaf.seed_count == 4
    assert leaf.seed_examples == (
        SeedExample("Mars is red.", (("What colour is Mars?", "Red."),)),
        SeedExample("Venus is hot.", (("Is Venus hot?", "Yes."),)),
    )
    assert leaf.seed_pairs == (
        ("Mars is red.", "What colour is Mars?", "Red."),
        ("Venus is hot.", "Is Venus hot?", "Yes."),
    )


def test_an_older_knowledge_leaf_with_bare_pairs_reads_them_without_context() -> None:
    text = "version: 2\nseed_examples:\n  - question: Q?\n    answer: A.\n"
    leaf = load_text("q.yaml", "knowledge/a", text)
    assert leaf.seed_examples == (SeedExample(None, (("Q?", "A."),)),)
    assert leaf.version == 2


@pytest.mark.parametrize("value", ["'3'", "true", "3.5", "null"])
def test_only_an_integer_version_is_declared(value: str) -> None:
    assert load_text("q.yaml", "knowledge/a", f"version: {value}\n").version is None


def test_load_bytes_applies_the_size_limit_and_drops_a_bom() -> None:
    raw = b"\xef\xbb\xbf" + HAIKU.encode()
    leaf = leaves.load_bytes("q.yaml", "compositional_skills/a", raw, max_bytes=len(raw))
    assert leaf.text == HAIKU
    with pytest.raises(LoadProblem) as caught:
        leaves.load_bytes("q.yaml", "compositional_skills/a", raw, max_bytes=len(raw) - 1)
    assert caught.value.rule == "file-too-large"


def test_load_file_reads_under_the_project_with_its_path_and_id(tree: Path) -> None:
    config = load_config(tree)
    leaf = leaves.load_file(config, config.taxonomy / "compositional_skills/b/qna.yaml")
    assert (leaf.path, leaf.leaf_id) == (
        "taxonomy/compositional_skills/b/qna.yaml",
        "compositional_skills/b",
    )
    stray = write(tree, "elsewhere/qna.yaml")
    assert leaves.load_file(config, stray).leaf_id == stray.parent.as_posix()
    with pytest.raises(LoadProblem) as caught:
        leaves.load_file(config, write(tree, "taxonomy/knowledge/bad/qna.yaml", "- a list\n"))
    assert caught.value.rule == "yaml-not-mapping"


def test_load_all_gives_every_leaf_by_id_and_locates_one_that_does_not_load(tree: Path) -> None:
    from labtax.errors import LabtaxError

    config = load_config(tree)
    assert [leaf.leaf_id for leaf in leaves.load_all(config)] == [
        "compositional_skills/b",
        "knowledge/k",
    ]
    write(tree, "taxonomy/knowledge/bad/qna.yaml", "version: 3\nversion: 3\n")
    with pytest.raises(LabtaxError, match="the leaf does not load") as caught:
        leaves.load_all(config)
    assert caught.value.location is not None
    assert caught.value.location.path == "taxonomy/knowledge/bad/qna.yaml"
    assert caught.value.location.line == 2


def test_the_document_field_is_read_once_with_its_types_checked() -> None:
    knowledge = (
        "version: 3\ndocument:\n  repo: ' https://example.com/docs.git '\n"
        "  commit: 42\n  patterns: ['*.md', 7, '']\n"
    )
    leaf = leaves.load_text("t/qna.yaml", "knowledge/a", knowledge)
    assert leaf.has_document
    assert leaf.document == leaves.DocumentField("https://example.com/docs.git", "", ("*.md",))
    blank = leaves.load_text("t/qna.yaml", "knowledge/a", "document:\n  repo: '  '\n")
    assert blank.has_document
    assert blank.document is None
    skill = leaves.load_text("t/qna.yaml", "compositional_skills/a", "version: 3\n")
    assert not skill.has_document
    assert skill.document is None

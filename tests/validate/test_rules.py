"""Behaviour of individual rules beyond what the golden corpus shows."""

from __future__ import annotations

import json
from pathlib import Path

from labtax.rules.duplicate_question import near, normalise

LEAF = "taxonomy/compositional_skills/writing/poetry/haiku"


def _rules(invoke, haiku_project: Path) -> list[tuple[str, str, int, int]]:
    records = json.loads(invoke("validate", "--format", "json", cwd=haiku_project).out)
    return [(r["rule"], r["level"], r["line"], r["col"]) for r in records]


def test_version_1_leaf_gets_hygiene_and_attribution_as_warnings(
    haiku_project: Path, invoke
) -> None:
    leaf = haiku_project / LEAF / "qna.yaml"
    leaf.write_text(leaf.read_text().replace("version: 3\n", "").replace("teapot.\n", "teapot. \n"))
    (haiku_project / LEAF / "attribution.txt").unlink()
    found = _rules(invoke, haiku_project)
    assert ("yaml-trailing-space", "warning", 4, 44) in found
    assert ("attribution", "warning", 1, 1) in found
    assert all(level == "warning" for _, level, _, _ in found)


def test_hygiene_is_an_error_when_the_version_is_unknown(haiku_project: Path, invoke) -> None:
    leaf = haiku_project / LEAF / "qna.yaml"
    leaf.write_text("a: [  \n")
    found = _rules(invoke, haiku_project)
    assert ("yaml-trailing-space", "error", 1, 5) in found
    assert any(rule == "yaml-syntax" for rule, *_ in found)


def test_block_scalar_starting_with_a_tab_is_accepted_like_instructlab(
    haiku_project: Path, invoke
) -> None:
    # libyaml rejects this; PyYAML's Python scanner (which InstructLab uses) accepts it.
    leaf = haiku_project / LEAF / "qna.yaml"
    text = leaf.read_text().replace(
        "answer: Steam curls from the spout, a small storm in porcelain.",
        "answer: |\n      \tSteam curls from the spout.",
    )
    leaf.write_text(text)
    assert _rules(invoke, haiku_project) == []


def test_grounded_skill_examples_with_context_pass(haiku_project: Path, invoke) -> None:
    grounded = haiku_project / "taxonomy/compositional_skills/grounded/haiku"
    grounded.mkdir(parents=True)
    text = (haiku_project / LEAF / "qna.yaml").read_text()
    (grounded / "qna.yaml").write_text(
        text.replace("  - question:", "  - context: A scene.\n    question:")
    )
    (grounded / "attribution.txt").write_text("x\n")
    assert _rules(invoke, haiku_project) == []
    (grounded / "qna.yaml").write_text(text)
    found = _rules(invoke, haiku_project)
    assert [r for r, *_ in found] == ["grounded-context"] * 5
    assert found[0][2:] == (5, 5)


def test_near_duplicate_needs_question_and_answer_close() -> None:
    assert normalise("What is  the Capital of France?!") == "what is the capital of france"
    assert near(
        normalise("What is the capital of France?"), normalise("What's the capital of France?")
    )
    assert not near(normalise("List two synonyms for attend."), normalise("Name a river in Peru."))
    assert not near("", "x")


def test_nested_leaf_warns_on_the_inner_leaf_only(haiku_project: Path, invoke) -> None:
    outer = haiku_project / "taxonomy/compositional_skills/writing/poetry"
    (outer / "qna.yaml").write_text((haiku_project / LEAF / "qna.yaml").read_text())
    (outer / "attribution.txt").write_text("x\n")
    records = json.loads(invoke("validate", "--format", "json", cwd=haiku_project).out)
    assert [(r["rule"], r["path"]) for r in records] == [("nested-leaf", f"{LEAF}/qna.yaml")]
    assert "compositional_skills/writing/poetry" in records[0]["message"]


def test_leaf_at_the_top_of_a_branch_is_reported(haiku_project: Path, invoke) -> None:
    top = haiku_project / "taxonomy" / "knowledge"
    top.mkdir()
    (top / "qna.yaml").write_text("- x\n")
    (top / "attribution.txt").write_text("x\n")
    records = json.loads(invoke("validate", "--format", "json", cwd=haiku_project).out)
    branch = [r for r in records if r["rule"] == "leaf-branch"]
    assert [r["message"] for r in branch] == [
        "a leaf must be in a directory below knowledge/, not at its top"
    ]


def test_local_document_patterns_must_stay_inside_the_document_directory(tmp_path: Path) -> None:
    from labtax.rules.document_repo import _selects, is_local

    docs = tmp_path / "documents" / "copper"
    docs.mkdir(parents=True)
    (docs / "copper.md").write_text("# Copper\n")
    (tmp_path / "README.md").write_text("# outside the document directory\n")
    assert _selects(docs, "*.md")
    assert _selects(docs, "**/*.md")
    assert not _selects(docs, "../../*.md")
    assert not _selects(docs, str(tmp_path / "*.md"))
    assert not _selects(docs, "*.pdf")
    assert is_local("documents/copper")
    assert not is_local("https://github.com/example/docs.git")
    assert not is_local("git@github.com:example/docs.git")

"""`grounded-context`: every example of a grounded skill needs the context it is drawn from."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.rules import grounded_context
from sampleleaves import HAIKU, HAIKU_DIR

GROUNDED_ID = "compositional_skills/grounded/haiku"


def test_examples_without_a_context_are_each_reported(tmp_path: Path) -> None:
    text = HAIKU.replace(
        "  - question: Write a haiku about a teapot.",
        "  - context: A kitchen.\n    question: Write a haiku about a teapot.",
    ).replace(
        "  - question: Write a haiku about a bicycle.",
        "  - context: '   '\n    question: Write a haiku about a bicycle.",
    )
    found = grounded_context.check(rulecheck.subject(tmp_path, text, leaf_id=GROUNDED_ID))
    assert [(d.line, d.message) for d in found] == [
        (8, "seed_examples[1] of a grounded skill has no context"),
        (10, "seed_examples[2] of a grounded skill has no context"),
        (13, "seed_examples[3] of a grounded skill has no context"),
        (15, "seed_examples[4] of a grounded skill has no context"),
    ]


def test_only_skills_under_a_grounded_directory_are_checked(tmp_path: Path) -> None:
    assert grounded_context.check(rulecheck.subject(tmp_path, HAIKU)) == []
    knowledge_id = "knowledge/grounded/x"
    assert grounded_context.check(rulecheck.subject(tmp_path, HAIKU, leaf_id=knowledge_id)) == []
    assert grounded_context.check(rulecheck.subject(tmp_path, "a: [\n", leaf_id=GROUNDED_ID)) == []


def test_grounded_skill_examples_with_context_pass(haiku_project: Path) -> None:
    grounded = haiku_project / "taxonomy/compositional_skills/grounded/haiku"
    grounded.mkdir(parents=True)
    text = (haiku_project / HAIKU_DIR / "qna.yaml").read_text()
    (grounded / "qna.yaml").write_text(
        text.replace("  - question:", "  - context: A scene.\n    question:")
    )
    (grounded / "attribution.txt").write_text("x\n")
    assert rulecheck.located(rulecheck.findings(haiku_project)) == []
    (grounded / "qna.yaml").write_text(text)
    found = rulecheck.located(rulecheck.findings(haiku_project))
    assert [r for r, *_ in found] == ["grounded-context"] * 5
    assert found[0][2:] == (5, 5)

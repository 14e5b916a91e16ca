"""Schema choice by kind and version, positions of schema errors, the fast path's verdicts."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from labtax import leaves, schemas, yamldoc
from labtax.diagnostics import Diagnostic

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schema"
LEAVES = Path(__file__).resolve().parent / "leaves"
SKILL_ID = "compositional_skills/writing/poetry/haiku"
KNOWLEDGE_ID = "knowledge/science/chemistry/copper"

SKILL = """\
version: 3
created_by: me
task_description: Haiku.
seed_examples:
  - question: One?
    answer: A.
  - question: Two?
    answer: B.
  - question: Three?
    answer: C.
  - question: Four?
    answer: D.
  - question: Five?
    answer: E.
"""


def check(text: str, leaf_id: str = SKILL_ID) -> list[Diagnostic]:
    return schemas.check(leaves.load_text("qna.yaml", leaf_id, text))


def where(found: list[Diagnostic]) -> list[tuple[int, int, str]]:
    return [(d.line, d.col, d.message) for d in found]


def test_valid_skill_has_no_errors() -> None:
    assert check(SKILL) == []


def test_wrong_type_points_at_the_value() -> None:
    found = check(SKILL.replace("answer: C.", "answer:\n      - C."))
    assert where(found) == [(11, 7, "seed_examples[2].answer must be text, not a list")]


def test_missing_key_points_at_the_mapping_that_lacks_it() -> None:
    found = check(SKILL.replace("  - question: Four?\n    answer: D.\n", "  - question: Four?\n"))
    assert where(found) == [(11, 5, 'missing required key "seed_examples[3].answer"')]


def test_unknown_key_points_at_the_key() -> None:
    found = check(SKILL.replace("    answer: E.\n", "    answer: E.\n    notes: extra\n"))
    assert [(d.line, d.col) for d in found] == [(15, 5)]
    assert 'unknown key "seed_examples[4].notes"' in found[0].message


def test_repeated_item_points_at_the_repeat() -> None:
    found = check(
        SKILL.replace("question: Five?\n    answer: E.", "question: One?\n    answer: A.")
    )
    assert where(found) == [(13, 5, "seed_examples holds the same item twice")]


def test_too_few_items_points_at_the_list() -> None:
    found = check(SKILL.split("  - question: Four?", maxsplit=1)[0])
    assert where(found) == [(5, 3, "seed_examples needs at least 5 items, has 3")]


def test_skill_versions_1_and_2_use_their_own_schema() -> None:
    three = SKILL.split("  - question: Four?", maxsplit=1)[0]
    assert check(three.replace("version: 3\n", "")) == []  # v1: one example is enough
    assert where(check(three.replace("version: 3", "version: 2"))) == [
        (5, 3, "seed_examples needs at least 5 items, has 3")
    ]


def test_knowledge_below_3_is_one_error_saying_what_to_change() -> None:
    found = check("version: 2\ncreated_by: me\n", KNOWLEDGE_ID)
    assert [(d.rule, d.line, d.col) for d in found] == [("version-unsupported", 1, 10)]
    assert "document_outline" in found[0].hint


@pytest.mark.parametrize("value", ["4", "0", "true", "three"])
def test_unsupported_or_invalid_versions_are_errors(value: str) -> None:
    found = check(SKILL.replace("version: 3", f"version: {value}"))
    assert found
    assert all(d.line == 1 for d in found)


def test_version_given_as_float_is_accepted_like_instructlab() -> None:
    assert check(SKILL.replace("version: 3", "version: 3.0")) == []


def test_schemas_are_valid_draft_2020_12_and_shipped_with_the_package() -> None:
    names = sorted(p.name for p in SCHEMA_DIR.glob("*.json"))
    assert names == ["knowledge_v3.json", "skill_v1.json", "skill_v2.json", "skill_v3.json"]
    for name in names:
        document = json.loads((SCHEMA_DIR / name).read_text())
        Draft202012Validator.check_schema(document)
        assert schemas.load_schema(name) == document


@pytest.mark.parametrize(
    ("repo", "ok"),
    [
        ("https://github.com/example/docs.git", True),
        ("git@github.com:example/docs.git", True),
        ("documents/copper", True),
        ("/etc", False),
        ("../outside", False),
        ("documents/../../outside", False),
    ],
)
def test_document_repo_is_a_git_url_or_a_path_inside_the_repository(repo: str, ok: bool) -> None:
    text = (LEAVES / "good/knowledge_git_url/taxonomy" / KNOWLEDGE_ID / "qna.yaml").read_text()
    found = check(text.replace("https://github.com/example/docs.git", repo), KNOWLEDGE_ID)
    assert (found == []) is ok


def _mutations(data: dict[str, object]) -> list[object]:
    """Small edits of a valid leaf: each may or may not break it."""
    out: list[object] = []
    for key in list(data):
        smaller = copy.deepcopy(data)
        del smaller[key]
        out.append(smaller)
        for bad in (None, 7, 2.5, True, "", [], {}, "text"):
            changed = copy.deepcopy(data)
            changed[key] = bad
            out.append(changed)
    examples = data.get("seed_examples")
    if isinstance(examples, list):
        for index in range(len(examples)):
            dup = copy.deepcopy(data)
            dup["seed_examples"][index] = copy.deepcopy(examples[0])  # type: ignore[index]
            out.append(dup)
            extra = copy.deepcopy(data)
            extra["seed_examples"][index]["extra"] = "x"  # type: ignore[index]
            out.append(extra)
            for field in ("question", "answer", "context", "questions_and_answers"):
                gone = copy.deepcopy(data)
                gone["seed_examples"][index].pop(field, None)  # type: ignore[index]
                out.append(gone)
                empty = copy.deepcopy(data)
                empty["seed_examples"][index][field] = ""  # type: ignore[index]
                out.append(empty)
    out.extend([[], "x", None, 3])
    return out


def _corpus_documents() -> list[tuple[str, object]]:
    found = []
    for path in sorted(LEAVES.rglob("qna.yaml")):
        if not path.is_file():
            continue
        try:
            document = yamldoc.parse(path.read_bytes().decode("utf-8-sig"))
        except (yamldoc.LoadProblem, UnicodeDecodeError):
            continue
        kind = "knowledge" if "/knowledge/" in path.as_posix() else "skill"
        for version in (1, 2, 3) if kind == "skill" else (3,):
            name = f"{kind}_v{version}.json"
            found += [(name, document.data), *((name, m) for m in _mutations(document.data))]
    return found


def test_fast_path_gives_the_same_verdict_as_jsonschema() -> None:
    documents = _corpus_documents()
    assert len(documents) > 500
    verdicts = set()
    for name, instance in documents:
        expected = schemas.validator(name).is_valid(instance)
        assert schemas.is_valid(name, instance) is expected, (name, instance)
        verdicts.add(expected)
    assert verdicts == {True, False}

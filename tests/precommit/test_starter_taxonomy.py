"""The starter taxonomy: the leaf kinds the project promises, clean under `labtax validate`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
TAXONOMY = REPO_ROOT / "taxonomy"
SEGMENT = re.compile(r"[a-z0-9_]+")
ATTRIBUTION_FIELDS = ("Title of work:", "Link to work:", "License of the work:", "Creator names:")


def load_leaves() -> dict[str, dict[str, Any]]:
    """Every leaf as {leaf id: data}, read with plain PyYAML rather than labtax's own loader."""
    found = {}
    for path in sorted(TAXONOMY.rglob("qna.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[path.parent.relative_to(TAXONOMY).as_posix()] = data
    return found


LEAVES = load_leaves()


def kind(leaf_id: str) -> str:
    branch, *rest = leaf_id.split("/")
    if branch == "compositional_skills":
        return "grounded" if "grounded" in rest else "freeform"
    return branch


def run_validate(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    return subprocess.run(
        [sys.executable, "-m", "labtax", "validate", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_validate_reports_nothing_on_the_whole_tree() -> None:
    as_json = run_validate("--strict", "--format", "json")
    assert as_json.returncode == 0, as_json.stdout + as_json.stderr
    assert json.loads(as_json.stdout) == []
    as_text = run_validate("--format", "text")
    assert as_text.returncode == 0, as_text.stdout + as_text.stderr
    assert as_text.stdout.splitlines() == [f"0 errors, 0 warnings in 0 of {len(LEAVES)} files"]


def test_required_leaf_kinds_are_present() -> None:
    kinds = [kind(leaf_id) for leaf_id in LEAVES]
    assert kinds.count("freeform") >= 2
    assert kinds.count("grounded") >= 1
    assert kinds.count("foundational_skills") >= 1
    assert kinds.count("knowledge") >= 2


@pytest.mark.parametrize("leaf_id", sorted(LEAVES))
def test_leaf_is_version_3_with_attribution(leaf_id: str) -> None:
    data = LEAVES[leaf_id]
    assert data["version"] == 3
    assert all(SEGMENT.fullmatch(part) for part in leaf_id.split("/")), leaf_id
    attribution = (TAXONOMY / leaf_id / "attribution.txt").read_text(encoding="utf-8")
    lines = attribution.splitlines()
    for field in ATTRIBUTION_FIELDS:
        assert any(line.startswith(field) and line[len(field) :].strip() for line in lines), field


@pytest.mark.parametrize("leaf_id", sorted(k for k in LEAVES if kind(k) != "knowledge"))
def test_skill_seeds_fit_their_kind(leaf_id: str) -> None:
    examples = LEAVES[leaf_id]["seed_examples"]
    assert len(examples) >= 5
    with_context = [bool(str(e.get("context", "")).strip()) for e in examples]
    # A grounded skill needs a context on every seed; a freeform one has none, or it is grounded.
    assert all(with_context) if kind(leaf_id) == "grounded" else not any(with_context)


@pytest.mark.parametrize("leaf_id", sorted(k for k in LEAVES if kind(k) == "knowledge"))
def test_knowledge_contexts_are_excerpts_of_committed_documents(leaf_id: str) -> None:
    data = LEAVES[leaf_id]
    document = data["document"]
    directory = REPO_ROOT / document["repo"]
    assert directory.is_dir()
    assert directory.resolve().is_relative_to(REPO_ROOT.resolve())
    files = sorted({p for pattern in document["patterns"] for p in directory.glob(pattern)})
    assert files, f"{document['patterns']} select nothing in {document['repo']}"
    text = " ".join(p.read_text(encoding="utf-8") for p in files)
    words = len(text.split())
    assert 300 <= words <= 1600, words
    flat = " ".join(text.split())
    for example in data["seed_examples"]:
        # Seeds quote the document, so the teacher's answers can be checked against it.
        assert " ".join(example["context"].split()) in flat
        assert len(example["questions_and_answers"]) >= 3


@pytest.mark.parametrize("leaf_id", sorted(k for k in LEAVES if kind(k) == "knowledge"))
def test_knowledge_documents_are_long_enough_for_several_chunks(leaf_id: str) -> None:
    from labtax.chunking import SourceFile, chunk
    from labtax.config import GenerationConfig

    document = LEAVES[leaf_id]["document"]
    directory = REPO_ROOT / document["repo"]
    files = sorted({p for pattern in document["patterns"] for p in directory.glob(pattern)})
    sources = [SourceFile(p.name, p.read_text(encoding="utf-8")) for p in files]
    settings = GenerationConfig()
    chunks = chunk(sources, settings.chunk_tokens, settings.chunk_overlap_tokens)
    # Every chunk contributes samples, so the data shows the whole document covered.
    assert len(chunks) >= 5, [c.headings for c in chunks]
    sections = {line[3:] for s in sources for line in s.text.splitlines() if line.startswith("## ")}
    assert sections <= {c.headings[-1] for c in chunks} | {
        h for c in chunks for h in re.findall(r"^## (.+)$", c.text, re.MULTILINE)
    }

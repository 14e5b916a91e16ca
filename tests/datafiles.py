"""Builders for `generated/` data written by hand in the documented on-disk format.

They do not use `labtax.dataset`, so tests of the reader and of the data diff see the files the
format documents, not whatever the writer happens to produce. Importable from any test module
(`pythonpath = ["tests"]`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from gitrepo import git

Pair = tuple[str, str]  # (question, answer)

# The passage a hand-written knowledge sample is grounded in, unless a test gives its own.
PASSAGE = "The passage of the source document the answer is drawn from."
DOCUMENT = "source.md"


def kind_of(leaf: str) -> str:
    if leaf.startswith("knowledge/"):
        return "knowledge"
    return "grounded_skill" if "grounded" in leaf.split("/") else "freeform_skill"


FORM_OF_KIND = {
    "knowledge": "knowledge_qa",
    "grounded_skill": "grounded",
    "freeform_skill": "instruction",
}


def sample_id(leaf: str, form: str, context: str, question: str, answer: str) -> str:
    canonical = json.dumps(
        [leaf, form, context, question, answer], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def request_key(*parts: str) -> str:
    """A stand-in response-cache key: 64 hex digits made from `parts`."""
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def record(
    leaf: str,
    question: str,
    answer: str,
    *,
    context: str | None = None,
    score: int = 3,
    form: str | None = None,
) -> dict[str, object]:
    """A sample line of format 2. Knowledge and grounded samples get `PASSAGE` as their context
    unless `context` is given (for knowledge, chunk 0 of `DOCUMENT`); a grounded sample's user turn
    is its context, a blank line, then the question."""
    kind = kind_of(leaf)
    form = form or FORM_OF_KIND[kind]
    grounded_in_document = kind == "knowledge"
    if context is None:
        context = "" if kind == "freeform_skill" else PASSAGE
    turn = context + "\n\n" + question if form not in {"instruction", "knowledge_qa"} else question
    stages = ("knowledge_qa", "faithfulness") if grounded_in_document else ("skill_answer",)
    return {
        "answer": answer,
        "context": context,
        "form": form,
        "id": sample_id(leaf, form, context, question, answer),
        "kind": kind,
        "leaf": leaf,
        "messages": [
            {"role": "user", "content": turn},
            {"role": "assistant", "content": answer},
        ],
        "provenance": {
            "calls": [{"request": request_key(s, question), "stage": s} for s in stages],
            "chunk": 0 if grounded_in_document else -1,
            "document": DOCUMENT if grounded_in_document else "",
            "round": 1,
        },
        "question": question,
        "score": score,
    }


def jsonl(records: Sequence[dict[str, object]]) -> str:
    ordered = sorted(records, key=lambda r: str(r["id"]))
    return "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in ordered)


def write_leaf(
    generated: Path,
    leaf: str,
    pairs: Sequence[Pair],
    *,
    rejected: Sequence[tuple[str, str, str]] = (),  # (question, answer, reason)
    model: str = "openai/labtax-fake-teacher",
    templates: dict[str, str] | None = None,
    inputs_hash: str = "0" * 64,
    cost: float | None = 0.0125,
    manifest: bool = True,
    context: str | None = None,
) -> Path:
    """A leaf's three files; every sample has `context` (see `record` for the default)."""
    directory = generated / leaf
    directory.mkdir(parents=True, exist_ok=True)
    kept = [record(leaf, q, a, context=context) for q, a in pairs]
    rejects = []
    for q, a, reason in rejected:
        item = record(leaf, q, a, score=1, context=context)
        item.update(stage="pair_rating", reason=reason, detail=f"rated 1: {reason}")
        rejects.append(item)
    samples_text, rejected_text = jsonl(kept), jsonl(rejects)
    (directory / "samples.jsonl").write_text(samples_text, encoding="utf-8")
    (directory / "rejected.jsonl").write_text(rejected_text, encoding="utf-8")
    if manifest:
        kind = kind_of(leaf)
        used = {"max_tokens": 1024, "temperature": 0.7}
        data = {
            "format": 2,
            "leaf": leaf,
            "kind": kind,
            "inputs_hash": inputs_hash,
            "labtax_version": "0.1.0",
            "teacher": {
                "model": model,
                "temperature": 0.7,
                "max_tokens": 1024,
                "seed": 42,
                "samples_per_leaf": 10,
            },
            # The digests of the JSONL files the manifest belongs with (checked for freshness).
            "files": {
                "rejected.jsonl": hashlib.sha256(rejected_text.encode("utf-8")).hexdigest(),
                "samples.jsonl": hashlib.sha256(samples_text.encode("utf-8")).hexdigest(),
            },
            "templates": templates or {"skill_answer": "a" * 64, "pair_rating": "b" * 64},
            "counts": {
                "candidates": len(kept) + len(rejects),
                "kept": len(kept),
                "rejected": len(rejects),
                "rejected_by_reason": dict(Counter(r for _, _, r in rejected)),
            },
            "usage": {
                "calls": 2 * (len(kept) + len(rejects)),
                "prompt_tokens": 100 * (len(kept) + len(rejects)),
                "cached_prompt_tokens": 0,
                "completion_tokens": 40 * (len(kept) + len(rejects)),
                "cost_usd": cost,
            },
            "volume": {
                "target": 10,
                "kept": len(kept),
                "rounds": 1,
                "shortfall": ""
                if len(kept) >= 10
                else f"kept {len(kept)} of 10 samples after 1 round",
            },
            "stages": {"pair_rating": used, "skill_answer": used},
            "documents": (
                [{"path": DOCUMENT, "chunks": 1, "kept": len(kept)}] if kind == "knowledge" else []
            ),
        }
        (directory / "manifest.json").write_text(
            json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    return directory


def commit_all(root: Path, message: str) -> str:
    """Commit everything in `root` and return the new commit's sha."""
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD").strip()

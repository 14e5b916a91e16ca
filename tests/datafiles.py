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


def sample_id(leaf: str, context: str | None, question: str, answer: str) -> str:
    canonical = json.dumps(
        [leaf, context, question, answer], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def record(
    leaf: str, question: str, answer: str, *, context: str | None = None, score: int | None = 3
) -> dict[str, object]:
    return {
        "context": context,
        "id": sample_id(leaf, context, question, answer),
        "kind": "knowledge" if leaf.startswith("knowledge") else "freeform_skill",
        "leaf": leaf,
        "messages": [
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ],
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
) -> Path:
    directory = generated / leaf
    directory.mkdir(parents=True, exist_ok=True)
    kept = [record(leaf, q, a) for q, a in pairs]
    rejects = []
    for q, a, reason in rejected:
        item = record(leaf, q, a, score=1)
        item.update(stage="pair_rating", reason=reason, detail=f"rated 1: {reason}")
        rejects.append(item)
    samples_text, rejected_text = jsonl(kept), jsonl(rejects)
    (directory / "samples.jsonl").write_text(samples_text, encoding="utf-8")
    (directory / "rejected.jsonl").write_text(rejected_text, encoding="utf-8")
    if manifest:
        data = {
            "leaf": leaf,
            "kind": kept[0]["kind"] if kept else "freeform_skill",
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
                "completion_tokens": 40 * (len(kept) + len(rejects)),
                "cost_usd": cost,
            },
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

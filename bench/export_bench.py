"""Time `labtax export` on a synthetic tree and measure its peak memory.

A project is synthesised in a temporary directory: leaves of every kind in the taxonomy and their
data in format 2, written with the dataset writer (manifests carry the leaves' inputs hashes, so
the data is fresh), one million samples by default. The export then runs as `labtax export` in a
child process, whose wall time and peak RSS are printed.

Run: .venv/bin/python bench/export_bench.py [SAMPLES] [LEAVES]
"""

from __future__ import annotations

import argparse
import itertools
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from labtax.config import load_config
from labtax.dataset import writer
from labtax.dataset.records import (
    Call,
    DocumentUse,
    Manifest,
    Provenance,
    Sample,
    SampleCounts,
    TeacherParams,
    Volume,
)
from labtax.inputs import inputs_hash
from labtax.leaves import load_file
from labtax.usage import Usage

KINDS = ("freeform_skill", "grounded_skill", "knowledge")
SHARES = (0.4, 0.25, 0.35)
AUXILIARY = ("detailed_summary", "extractive_summary", "atomic_facts")


class Words:
    """Seeded text with a Zipf-like vocabulary, like prose has."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocabulary = [f"w{i:05d}" for i in range(20_000)]
        self.cumulative = list(itertools.accumulate(1 / (i + 1) for i in range(20_000)))

    def text(self, count: int) -> str:
        return " ".join(self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=count))


def leaf_yaml(kind: str, number: int, words: Words) -> str:
    if kind == "knowledge":
        seeds = "".join(
            f"  - context: |\n      {words.text(40)}\n    questions_and_answers:\n"
            + "".join(
                f"      - question: {words.text(10)}?\n        answer: {words.text(15)}\n"
                for _ in range(3)
            )
            for _ in range(5)
        )
        return (
            f"version: 3\ncreated_by: bench\ndomain: topic {number}\n"
            f"document_outline: an outline\nseed_examples:\n{seeds}"
            f"document:\n  repo: documents/d{number}\n  commit: local\n  patterns:\n    - '*.md'\n"
        )
    context = kind == "grounded_skill"
    seeds = "".join(
        f"  - question: {words.text(10)}?\n    answer: {words.text(20)}\n"
        + (f"    context: {words.text(40)}\n" if context else "")
        for _ in range(5)
    )
    head = f"version: 3\ncreated_by: bench\ntask_description: task {number}\n"
    return f"{head}seed_examples:\n{seeds}"


def samples_of(leaf: str, kind: str, count: int, words: Words) -> list[Sample]:
    made = Provenance((Call("stage", "0" * 64),))
    found: list[Sample] = []
    if kind == "freeform_skill":
        for _ in range(count):
            found.append(
                Sample(leaf, kind, "instruction", "", words.text(12), words.text(40), 3, made)
            )
    elif kind == "grounded_skill":
        context = ""
        for i in range(count):
            if i % 3 == 0:
                context = words.text(60)
            found.append(
                Sample(leaf, kind, "grounded", context, words.text(10), words.text(30), 3, made)
            )
    else:
        chunks = [words.text(80) for _ in range(max(1, count // 15))]
        for i in range(count):
            chunk = chunks[i % len(chunks)]
            where = Provenance(made.calls, 1, "doc.md", i % len(chunks))
            form = AUXILIARY[i % 3] if i % 10 == 0 else "knowledge_qa"
            question = "Summarise the passage above." if form != "knowledge_qa" else words.text(12)
            found.append(Sample(leaf, kind, form, chunk, question, words.text(25), 3, where))
    return found


def build(root: Path, total: int, leaves: int) -> None:
    words = Words(7)
    (root / "labtax.toml").write_text("[teacher]\nsamples_per_leaf = 10\n", encoding="utf-8")
    config = load_config(root)
    per_leaf = total // leaves
    for number in range(leaves):
        kind = random.Random(number).choices(KINDS, SHARES)[0]
        branch = "knowledge" if kind == "knowledge" else "compositional_skills"
        middle = "grounded/" if kind == "grounded_skill" else ""
        leaf_id = f"{branch}/{middle}area_{number % 7}/leaf_{number:04d}"
        directory = root / "taxonomy" / leaf_id
        directory.mkdir(parents=True)
        (directory / "qna.yaml").write_text(leaf_yaml(kind, number, words), encoding="utf-8")
        (directory / "attribution.txt").write_text("bench\n", encoding="utf-8")
        if kind == "knowledge":
            documents = root / "documents" / f"d{number}"
            documents.mkdir(parents=True)
            (documents / "doc.md").write_text(words.text(200), encoding="utf-8")
        leaf = load_file(config, directory / "qna.yaml")
        samples = samples_of(leaf_id, kind, per_leaf, words)
        manifest = Manifest(
            leaf=leaf_id,
            kind=kind,
            inputs_hash=inputs_hash(config, leaf),
            labtax_version="0.1.0",
            teacher=TeacherParams("openai/bench-teacher", 0.7, 1024, 42, per_leaf),
            templates={"skill_answer": "a" * 64},
            counts=SampleCounts(len(samples), len(samples), 0),
            usage=Usage(calls=1, prompt_tokens=0, completion_tokens=0, cost_usd=None),
            volume=Volume(per_leaf, len(samples), 1),
            stages={},
            documents=(DocumentUse("doc.md", 1, len(samples)),) if kind == "knowledge" else (),
        )
        writer.write_leaf(config.generated / leaf_id, samples, [], manifest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("samples", type=int, nargs="?", default=1_000_000)
    parser.add_argument("leaves", type=int, nargs="?", default=200)
    parser.add_argument(
        "--keep", type=Path, help="build the project here and keep it (to profile an export)"
    )
    args = parser.parse_args()
    total, leaves = args.samples, args.leaves
    with tempfile.TemporaryDirectory() as tmp:
        root = (args.keep or Path(tmp)) / "project"
        root.mkdir(parents=True)
        start = time.perf_counter()
        build(root, total, leaves)
        size = sum(p.stat().st_size for p in (root / "generated").rglob("samples.jsonl"))
        print(
            f"synthesised {total:,} samples in {leaves} leaves ({size / 1e6:,.0f} MB of JSONL) "
            f"in {time.perf_counter() - start:.1f} s"
        )
        start = time.perf_counter()
        labtax = [sys.executable, "-m", "labtax", "export", "mix"]
        done = subprocess.run(labtax, cwd=root, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        print(done.stdout + done.stderr, end="")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        written = sum(p.stat().st_size for p in (root / "mix").rglob("*.jsonl"))
        print(f"export: {elapsed:.1f} s, peak RSS {peak:,.0f} MiB, {written / 1e6:,.0f} MB written")
        if done.returncode:
            sys.exit(done.returncode)


if __name__ == "__main__":
    main()

"""Time `labtax diff` stages on a synthetic dataset: loading, comparing, rendering each format.

Run: .venv/bin/python bench/datadiff_bench.py [LEAVES] [SAMPLES_PER_LEAF]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from labtax import datadiff
from labtax.dataset import reader, store, writer
from labtax.dataset.records import (
    Call,
    LeafData,
    Manifest,
    Provenance,
    Sample,
    SampleCounts,
    TeacherParams,
    Volume,
)
from labtax.render import datadiff_json, datadiff_markdown
from labtax.usage import Usage

MADE = Provenance((Call("skill_answer", "0" * 64),))


def sample(leaf: str, question: str, answer: str) -> Sample:
    return Sample(leaf, "freeform_skill", "instruction", "", question, answer, 3, MADE)


def write(root: Path, leaf: str, samples: list[Sample]) -> None:
    directory = root / leaf
    directory.mkdir(parents=True)
    (directory / "samples.jsonl").write_bytes(writer.samples_bytes(samples))
    manifest = Manifest(
        leaf=leaf,
        kind="freeform_skill",
        inputs_hash="0" * 64,
        labtax_version="0.1.0",
        teacher=TeacherParams("m", 0.7, 1024, 42, 10),
        templates={},
        counts=SampleCounts(len(samples), len(samples), 0),
        usage=Usage(calls=1, prompt_tokens=0, completion_tokens=0, cost_usd=None),
        volume=Volume(len(samples), len(samples), 1),
        stages={},
    )
    (directory / "manifest.json").write_bytes(writer.manifest_bytes(manifest))


def build(root: Path, leaves: int, per_leaf: int) -> None:
    body = "lorem ipsum dolor sit amet " * 20
    for n in range(leaves):
        leaf = f"compositional_skills/area_{n % 10}/leaf_{n:04d}"
        old = [sample(leaf, f"q{i} {body}", f"a{i} {body}") for i in range(per_leaf)]
        new = list(old)
        if n % 3 == 0:  # a third of the leaves change: one answer edited, one sample added
            new[0] = sample(leaf, f"q0 {body}", f"edited {body}")
            new.append(sample(leaf, f"extra {body}", f"extra answer {body}"))
        write(root / "old", leaf, old)
        write(root / "new", leaf, new)


def timed(label: str, func, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = func(*args, **kwargs)
    print(f"{label:<34} {time.perf_counter() - start:8.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("leaves", type=int, nargs="?", default=300)
    parser.add_argument("per_leaf", type=int, nargs="?", default=30, metavar="SAMPLES_PER_LEAF")
    args = parser.parse_args()
    leaves, per_leaf = args.leaves, args.per_leaf
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, leaves, per_leaf)
        size = sum(p.stat().st_size for p in root.rglob("*.jsonl"))
        print(f"{leaves} leaves x {per_leaf} samples per side, {size / 1e6:.1f} MB of JSONL")
        old = timed("load old", store.load_directory, root / "old")
        new = timed("load new", store.load_directory, root / "new")
        diff = timed("diff", datadiff.diff_datasets, old, new)
        capped = timed("markdown (capped 60k)", datadiff_markdown.render, diff)
        full = timed(
            "markdown (full)",
            datadiff_markdown.render,
            diff,
            samples=None,
            max_chars=None,
            field_chars=None,
        )
        report = timed("json", datadiff_json.render, diff)
        print(f"capped {len(capped):,} chars, full {len(full):,} chars, json {len(report):,}")
    huge = sample("l", "q", "\u202e" * 10 + "A" * 1_000_000)
    one = reader.parse_samples(writer.samples_bytes([huge]), "x")
    diff = datadiff.diff_datasets({}, {"l": LeafData("l", None, one, ())})
    text = timed("markdown with a 1 MB answer", datadiff_markdown.render, diff)
    print(f"  -> {len(text):,} chars")
    timed(
        "full markdown with a 1 MB answer",
        datadiff_markdown.render,
        diff,
        samples=None,
        max_chars=None,
        field_chars=None,
    )


if __name__ == "__main__":
    main()

"""Benchmark `labtax validate` on synthetic taxonomies and print the figures.

For each size it builds a tree of varied leaves (freeform, grounded and foundational skills and
knowledge, 2 to 8 KB each, a few with findings) in a temporary directory, then measures:

- full validation, process start to exit (`python -m labtax validate --format json`), and its
  peak RSS (the largest of the parent and its workers);
- a bare parse of the same files in one process: read + `yaml.load(..., Loader=yaml.CSafeLoader)`;
- the ratio of the two (target: validation <= 3x the bare parse);
- one-file runs, process start to exit (target < 0.3 s), median of several.

Both full measurements take the best of `--runs` runs: the machine is shared.

Optionally, `--instructlab-python PY` times instructlab-schema 0.4.2's TaxonomyParser (run by an
interpreter that has it and yamllint installed; it is not a labtax dependency) on a sample of the
leaves and extrapolates to the whole tree.

    .venv/bin/python bench/validate_bench.py                 # 1,000 / 5,000 / 20,000 leaves
    .venv/bin/python bench/validate_bench.py --sizes 200     # quick
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

WORDS = (  # noqa: SIM905 - a word list reads better as text
    "river stone lantern harbour meadow copper signal orbit ledger violin glacier compass orchard "
    "chimney teacup window ferry canyon bridge market thunder pepper marble saddle quartz tunnel "
    "garden beacon falcon willow ribbon anchor pillow jacket candle tablet mirror rocket silver "
    "planet engine kettle basket feather puzzle island valley summit forest desert castle "
    "theorem matrix vector protein enzyme neuron galaxy comet nebula climate harvest voyage"
).split()

BRANCH_DIRS = (
    "compositional_skills",
    "compositional_skills/grounded",
    "foundational_skills",
    "knowledge",
)

RSS_PROBE = """
import resource, sys
from labtax.cli import main
code = main(["validate", "--format", "json", *sys.argv[1:]])
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"RSS_KB {max(own, kids)} EXIT {code}", file=sys.stderr)
"""

INSTRUCTLAB_PROBE = """
import json, sys, time
from instructlab.schema.taxonomy import TaxonomyParser
files = json.load(sys.stdin)
parser = TaxonomyParser(schema_version=0, message_format="logging")
start = time.perf_counter()
errors = 0
for path in files:
    errors += parser.parse(path).errors
print(json.dumps({"seconds": time.perf_counter() - start, "errors": errors}))
"""


def sentence(rng: random.Random, low: int, high: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))
    return text[0].upper() + text[1:] + "."


def block(text: str, indent: int) -> str:
    """A folded block scalar, wrapped near 80 columns."""
    pad = " " * indent
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) > 72:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return ">\n" + "\n".join(pad + part for part in lines)


def skill(rng: random.Random, grounded: bool, target: int) -> str:
    out = [
        "version: 3",
        f"created_by: author{rng.randint(1, 999)}",
        f"task_description: {sentence(rng, 8, 16)}",
        "seed_examples:",
    ]
    index = 0
    while index < 5 or len("\n".join(out)) < target:
        if grounded:
            out.append(f"  - context: {block(sentence(rng, 30, 70), 6)}")
            out.append(f"    question: Question {index}, {sentence(rng, 6, 14)}")
        else:
            out.append(f"  - question: Question {index}, {sentence(rng, 6, 14)}")
        out.append(f"    answer: {block(sentence(rng, 20, 60), 6)}")
        index += 1
    return "\n".join(out) + "\n"


def knowledge(rng: random.Random, target: int) -> str:
    out = [
        "version: 3",
        f"created_by: author{rng.randint(1, 999)}",
        f"domain: {rng.choice(WORDS)} studies",
        f"document_outline: {sentence(rng, 10, 20)}",
        "seed_examples:",
    ]
    context = 0
    while context < 5 or len("\n".join(out)) < target - 200:
        out.append(f"  - context: {block(sentence(rng, 40, 90), 6)}")
        out.append("    questions_and_answers:")
        for qa in range(3):
            out.append(f"      - question: Item {context}.{qa}, {sentence(rng, 6, 12)}")
            out.append(f"        answer: {block(sentence(rng, 10, 30), 10)}")
        context += 1
    out += [
        "document:",
        "  repo: https://github.com/example/knowledge-docs.git",
        f"  commit: {rng.getrandbits(160):040x}",
        "  patterns:",
        "    - '*.md'",
    ]
    return "\n".join(out) + "\n"


def build(root: Path, count: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    (root / "labtax.toml").write_text("# benchmark project\n")
    files = []
    for index in range(count):
        kind = index % 4
        target = rng.randint(2048, 8192)
        branch = BRANCH_DIRS[kind]
        body = knowledge(rng, target) if kind == 3 else skill(rng, kind == 1, target)
        leaf = root / "taxonomy" / branch / f"area_{index % 37}" / f"topic_{index % 211}"
        leaf = leaf / f"leaf_{index:05d}"
        leaf.mkdir(parents=True)
        if index % 97 == 0:
            body = body.replace("created_by", "author")  # a schema error now and then
        (leaf / "qna.yaml").write_text(body)
        (leaf / "attribution.txt").write_text("Source: synthetic benchmark data\n")
        files.append(leaf / "qna.yaml")
    return files


def bare_parse(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return time.perf_counter() - start


def run_labtax(root: Path, *args: str) -> tuple[float, int, int, int]:
    """(seconds, exit code, peak RSS in KB, findings) for one `labtax validate` process."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    probe = done.stderr.strip().splitlines()[-1].split()
    findings = len(json.loads(done.stdout)) if done.stdout.strip() else 0
    return seconds, int(probe[3]), int(probe[1]), findings


def one_file_runs(root: Path, leaf: Path, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "labtax", "validate", str(leaf.relative_to(root))],
            cwd=root,
            capture_output=True,
            check=False,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def instructlab(python: str, files: list[Path], sample: int) -> tuple[float, int] | None:
    chosen = files[:: max(1, len(files) // sample)][:sample]
    # TaxonomyParser runs `yamllint` by name: find the one installed next to that interpreter.
    path = f"{Path(python).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        [python, "-c", INSTRUCTLAB_PROBE],
        env={**os.environ, "PATH": path},
        input=json.dumps([str(p) for p in chosen]),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"  instructlab-schema: not run ({done.stderr.strip().splitlines()[-1:]})")
        return None
    result = json.loads(done.stdout)
    return result["seconds"] / len(chosen), int(result["errors"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000", help="comma-separated leaf counts")
    parser.add_argument(
        "--repeats", type=int, default=5, help="one-file runs to take the median of"
    )
    parser.add_argument("--runs", type=int, default=3, help="full runs per size (best taken)")
    parser.add_argument("--instructlab-python", default=None, help="python with instructlab-schema")
    parser.add_argument("--instructlab-sample", type=int, default=40)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"python {sys.version.split()[0]}, yaml C loader: {yaml.__with_libyaml__}")
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="labtax-bench-") as temp:
            root = Path(temp)
            files = build(root, size)
            total_kb = sum(p.stat().st_size for p in files) / 1024
            # Best of several runs: the machine is shared, and the minimum is the least disturbed.
            bare = min(bare_parse(files) for _ in range(args.runs))
            runs = [run_labtax(root) for _ in range(args.runs)]
            seconds, code, rss_kb, findings = min(runs)
            print(f"\n{size} leaves ({total_kb / size:.1f} KB each on average)")
            print(
                f"  labtax validate (process start to exit): {seconds:.2f} s, exit {code}, "
                f"{findings} findings, peak RSS {rss_kb / 1024:.0f} MB"
            )
            print(f"  bare CSafeLoader parse, one process:      {bare:.2f} s")
            print(
                f"  ratio labtax / bare parse:                {seconds / bare:.2f}x (target <= 3x)"
            )
            per_leaf, per_bare = seconds / size * 1000, bare / size * 1000
            print(f"  per leaf: labtax {per_leaf:.3f} ms, bare {per_bare:.3f} ms")
            one = one_file_runs(root, files[1], args.repeats)
            print(f"  one-file run, start to exit (median):     {one * 1000:.0f} ms (target < 300)")
            if args.instructlab_python:
                measured = instructlab(args.instructlab_python, files, args.instructlab_sample)
                if measured:
                    per_leaf, errors = measured
                    print(
                        f"  instructlab-schema 0.4.2: {per_leaf * 1000:.0f} ms per leaf "
                        f"(sample of {args.instructlab_sample}, {errors} errors), "
                        f"~{per_leaf * size:.0f} s for the tree: labtax is "
                        f"{per_leaf * size / seconds:.0f}x faster"
                    )


if __name__ == "__main__":
    main()

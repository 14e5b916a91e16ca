"""Time `labtax validate` and `labtax fix` on hostile leaves of growing size and print the figures.

The shapes are the ones that once took quadratic time or minutes (audit 12-13, findings 2 and 3):

- `trailing`: seeds whose question and both `|` answer lines end in a space or a tab;
- `deep`: a question nesting flow lists `[`x n ... `]`x n, and one block line ending in spaces;
- `deep-alone`: the same nesting without the trailing spaces;
- `trailing-broken`: `trailing` with a tab-indented line at the end, so libyaml refuses it and
  PyYAML's slower Python reader is tried, as InstructLab reads leaves.

For each shape and size (the leaf is padded to it) a fresh project holds just that leaf; each
command runs as its own process (start to exit, the best of `--runs`), `fix` on a fresh copy of the
leaf every time, and `fixer.fix_text` alone is timed inside a process of its own. A run over
`--timeout` seconds is stopped and printed as such. Every leaf is at most its size (1024 KB is the
default file limit, 1 MiB), and every input up to that limit should take time linear in its size.
`validate` runs every rule: on `trailing` its figure includes `duplicate-question`, which compares
seeds pairwise.

    .venv/bin/python bench/blockscalars_bench.py                   # 16 / 64 / 256 / 1024 KB
    .venv/bin/python bench/blockscalars_bench.py --sizes 16 64     # quick
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

LEAF_DIR = "taxonomy/compositional_skills/writing/poetry/haiku"
HEAD = "version: 3\ncreated_by: bench\ntask_description: Write a haiku.\nseed_examples:\n"
SEED = "  - question: q{i} \n    answer: |\n      line {i} \n      more {i}\t\n"
HAIKU_SEED = "  - question: Write a haiku about a lighthouse.\n    answer: |\n{lines}"
BROKEN = "\tnote: tab-indented\n"
FIX_TEXT_PROBE = """
import sys, time
from labtax import fixer
text = open(sys.argv[1], encoding="utf-8").read()
start = time.perf_counter()
fixer.fix_text(text)
print(time.perf_counter() - start)
"""


def trailing(size: int) -> str:
    """Seeds with trailing whitespace in their question (layout) and answer lines (text)."""
    seeds = []
    total = len(HEAD)
    while total + len(SEED.format(i=len(seeds))) <= size:
        seeds.append(SEED.format(i=len(seeds)))
        total += len(seeds[-1])
    return HEAD + "".join(seeds)


def deep(size: int, space: bool = True) -> str:
    """A question nesting flow lists as deep as the size allows, and one `|` answer."""
    answer = "      boats find the harbor" + ("   " if space else "") + "\n"
    rest = len(HEAD) + len(HAIKU_SEED) + len(answer) + 40
    depth = max(1, (size - rest) // 2)
    question = "  - question: " + "[" * depth + "]" * depth + "\n    answer: ok\n"
    return HEAD + question + HAIKU_SEED.format(lines=answer)


SHAPES: dict[str, Callable[[int], str]] = {
    "trailing": trailing,
    "deep": deep,
    "deep-alone": lambda size: deep(size, space=False),
    "trailing-broken": lambda size: trailing(size - len(BROKEN)) + BROKEN,
}


def project(root: Path) -> Path:
    """A labtax project (marked by labtax.toml) with an attributed leaf; returns the leaf."""
    leaf = root / LEAF_DIR / "qna.yaml"
    leaf.parent.mkdir(parents=True)
    (root / "labtax.toml").write_text("# project root\n")
    (leaf.parent / "attribution.txt").write_text("Source: benchmark\n")
    return leaf


def run(root: Path, leaf: Path, text: str, command: str, timeout: float) -> float | None:
    """Seconds for one `labtax COMMAND leaf` process on a fresh copy of `text`; None on timeout."""
    leaf.write_text(text)
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "labtax", command, str(leaf.relative_to(root))],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    seconds = time.perf_counter() - start
    if done.returncode not in {0, 1}:  # a crash is fast, and no figure
        raise SystemExit(f"labtax {command} exited {done.returncode}: {done.stderr.strip()}")
    return seconds


def fix_text(leaf: Path, text: str, timeout: float) -> float | None:
    """Seconds `fixer.fix_text(text)` takes, timed in its own process; None on timeout."""
    leaf.write_text(text)
    try:
        done = subprocess.run(
            [sys.executable, "-c", FIX_TEXT_PROBE, str(leaf)],
            capture_output=True,
            text=True,
            check=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    return float(done.stdout)


def best(times: list[float | None]) -> float | None:
    done = [t for t in times if t is not None]
    return min(done) if len(done) == len(times) else None


def shown(seconds: float | None, timeout: float) -> str:
    return f">{timeout:.0f} s" if seconds is None else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 64, 256, 1024], help="KB")
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per process")
    args = parser.parse_args()
    print(f"{'shape':<15} {'KB':>5} {'bytes':>8} {'validate':>9} {'fix':>9} {'fix_text':>9}")
    for shape in args.shapes:
        for kb in args.sizes:
            text = SHAPES[shape](kb * 1024)
            with tempfile.TemporaryDirectory() as tmp:
                root = Path(tmp)
                leaf = project(root)
                figures = [
                    best([run(root, leaf, text, command, args.timeout) for _ in range(args.runs)])
                    for command in ("validate", "fix")
                ]
                figures.append(fix_text(leaf, text, args.timeout))
            cells = " ".join(f"{shown(f, args.timeout):>9}" for f in figures)
            print(f"{shape:<15} {kb:>5} {len(text):>8} {cells}", flush=True)


if __name__ == "__main__":
    main()

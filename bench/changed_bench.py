"""How long `labtax changed` takes as the taxonomy grows while the change stays at 3 leaves.

Builds repositories of 1,000, 5,000 and 20,000 leaves (each with an attribution.txt, and a
generated/ tree as a real project has) with `git fast-import`. On a branch it modifies one
leaf's seed examples, edits another's `created_by`, and adds one untracked leaf. It times the
whole `labtax changed` process (Python start-up included), median of several runs, with and
without the untracked-file scan, and prints wall and CPU figures (CPU = user + system time of
labtax and its git processes; on a busy machine wall time includes waiting for a core).
Target: at most 0.5 s at 20,000 leaves.

    .venv/bin/python bench/changed_bench.py [--sizes 1000,5000,20000] [--runs 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LEAF = """\
version: 3
created_by: bench
task_description: Answer question family {n}.
seed_examples:
  - question: What is item {n} number one?
    answer: It is the first item of family {n}.
  - question: What is item {n} number two?
    answer: It is the second item of family {n}.
  - question: What is item {n} number three?
    answer: It is the third item of family {n}.
"""

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str, stdin: bytes | None = None) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=ENV, input=stdin, check=True, capture_output=True)


def leaf_dir(n: int) -> str:
    branch = ("compositional_skills", "foundational_skills")[n % 2]
    return f"taxonomy/{branch}/group_{n // 100:03d}/leaf_{n:05d}"


def fast_import_stream(count: int, *, generated: bool) -> bytes:
    chunks = [b"commit refs/heads/main\n", b"committer Bench <bench@example.invalid> 0 +0000\n"]
    chunks.append(b"data 4\nbase\n")
    for n in range(count):
        files = [
            (f"{leaf_dir(n)}/qna.yaml", LEAF.format(n=n)),
            (f"{leaf_dir(n)}/attribution.txt", f"Author {n}\n"),
        ]
        if generated:
            data_dir = leaf_dir(n).replace("taxonomy/", "generated/", 1)
            files.append((f"{data_dir}/samples.jsonl", f'{{"id": "{n:016x}"}}\n'))
        for file_path, text in files:
            data = text.encode()
            path = file_path.encode()
            chunks.append(b"M 100644 inline " + path + b"\n")
            chunks.append(b"data %d\n" % len(data) + data + b"\n")
    chunks.append(b"\n")
    return b"".join(chunks)


def build(root: Path, count: int, *, generated: bool) -> None:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "fast-import", "--quiet", stdin=fast_import_stream(count, generated=generated))
    git(root, "checkout", "-q", "-f", "main")
    git(root, "checkout", "-q", "-b", "topic")
    # Let the index's stat data settle, so git does not re-hash "racily clean" files every run.
    time.sleep(1.1)
    git(root, "update-index", "-q", "--refresh")
    first = root / leaf_dir(5) / "qna.yaml"
    first.write_text(LEAF.format(n=5).replace("first item", "very first item"), encoding="utf-8")
    second = root / leaf_dir(6) / "qna.yaml"
    second.write_text(LEAF.format(n=6).replace("created_by: bench", "created_by: other"))
    git(root, "commit", "-q", "-am", "two edits")
    added = root / "taxonomy/compositional_skills/new_group/new_leaf/qna.yaml"
    added.parent.mkdir(parents=True)
    added.write_text(LEAF.format(n=count + 1), encoding="utf-8")


def labtax_command() -> list[str]:
    script = Path(sys.executable).with_name("labtax")
    return [str(script)] if script.exists() else [sys.executable, "-m", "labtax"]


def time_changed(root: Path, runs: int, *extra: str) -> tuple[list[float], list[float], str]:
    """Wall seconds and CPU seconds (user + system, git included) per run, and the output."""
    command = [*labtax_command(), "changed", "--base", "main", *extra]
    walls, cpus = [], []
    output = ""
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"labtax changed failed:\n{done.stderr}")
        output = done.stdout
    return walls, cpus, output


def time_startup(runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([*labtax_command(), "--version"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="build repositories here")
    parser.add_argument(
        "--no-generated",
        action="store_true",
        help="leave out the generated/ tree (one samples.jsonl per leaf) that a real project has",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="labtax-changed-bench-"))
    try:
        for count in sizes:
            root = workdir / f"repo_{count}"
            if not root.exists():
                started = time.perf_counter()
                build(root, count, generated=not args.no_generated)
                print(f"built {count} leaves in {time.perf_counter() - started:.1f} s")
        print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
        print(f"labtax --version (start-up only): {time_startup(args.runs) * 1000:.0f} ms median")
        header = f"{'leaves':>8} {'mode':>14} {'median ms':>10} {'min ms':>8} {'max ms':>8}"
        print(f"{header} {'cpu ms':>8}  changes")
        outputs = {}
        for count in sizes:
            root = workdir / f"repo_{count}"
            for mode, extra in (("all", ()), ("--no-untracked", ("--no-untracked",))):
                walls, cpus, output = time_changed(root, args.runs, *extra)
                lines = output.strip().splitlines()
                outputs[count, mode] = lines
                print(
                    f"{count:>8} {mode:>14} {statistics.median(walls) * 1000:>10.0f} "
                    f"{min(walls) * 1000:>8.0f} {max(walls) * 1000:>8.0f} "
                    f"{statistics.median(cpus) * 1000:>8.0f}  {len(lines)}"
                )
        print(f"load average after: {os.getloadavg()[0]:.2f}")
        print(f"output at {sizes[-1]} leaves:")
        for line in outputs[sizes[-1], "all"]:
            print(f"  {line}")
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

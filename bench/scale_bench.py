"""The 100k-sample run: 1,000 leaves x ~100 kept samples against the fake teacher with no latency,
then `status`, `tree`, `diff` (against a base with no data) and `export` on that tree, and the size
of `generated/` on disk and as a git pack. Prints its figures; not a test.

Every command runs as a user runs it, `labtax ...` in a fresh process, timed with its peak RSS
(GNU time's maximum resident set, which covers the worker processes `generate` waits for). Goals:
status and tree <= 2 s, diff <= 10 s, no command above 1 GiB, `generate --dry-run` <= 1 s.

    .venv/bin/python bench/scale_bench.py [--leaves 1000] [--samples 100] [--workers N] [--keep]

`--samples` is the kept samples each leaf aims for (`samples_per_leaf`): a leaf runs rounds until
it keeps that many, or says why it fell short.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_bench import Server, make_project

GIB = 1024 * 1024


@dataclass(frozen=True)
class Timed:
    seconds: float
    rss_kib: int
    code: int
    out: str
    err: str


def labtax(root: Path, env: dict[str, str], *args: str) -> Timed:
    """`labtax ARGS` in a fresh process under GNU time: wall seconds and peak RSS."""
    report = root.parent / "time.txt"
    command = ["/usr/bin/time", "-f", "%M", "-o", str(report), sys.executable, "-m", "labtax"]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    rss = int(report.read_text().strip().splitlines()[-1])
    return Timed(seconds, rss, done.returncode, done.stdout, done.stderr)


def show(name: str, timed: Timed, goal: str = "") -> None:
    over = " OVER 1 GiB" if timed.rss_kib > GIB else ""
    print(
        f"  {name:<34} {timed.seconds:7.2f} s  peak RSS {timed.rss_kib / 1024:6.0f} MiB"
        f"  exit {timed.code}{over}{'  (goal ' + goal + ')' if goal else ''}"
    )


def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@labtax.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@labtax.invalid",
    }
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def disk_usage(path: Path) -> tuple[int, int]:
    """(bytes of file contents, bytes allocated on disk) under `path`."""
    apparent = int(
        subprocess.run(
            ["du", "-sb", str(path)], capture_output=True, text=True, check=True
        ).stdout.split()[0]
    )
    allocated = (
        int(
            subprocess.run(
                ["du", "-sk", str(path)], capture_output=True, text=True, check=True
            ).stdout.split()[0]
        )
        * 1024
    )
    return apparent, allocated


def manifests(root: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text()) for p in (root / "generated").rglob("manifest.json")]


def generation(root: Path, env: dict[str, str], workers: list[str]) -> None:
    show("generate --dry-run", labtax(root, env, "generate", "--dry-run"), "<= 1 s")
    run = labtax(root, env, "generate", *workers)
    show("generate", run)
    if run.code != 0:
        print(run.out[-2000:], run.err[-2000:])
        raise SystemExit("generation failed")
    found = re.search(r"teacher: ([\d,]+) calls?", run.out)
    calls = int(found.group(1).replace(",", "")) if found else 0
    data = manifests(root)
    kept = sum(int(m["counts"]["kept"]) for m in data)  # type: ignore[index]
    prompt = sum(int(m["usage"]["prompt_tokens"]) for m in data)  # type: ignore[index]
    repeated = sum(int(m["usage"]["cached_prompt_tokens"]) for m in data)  # type: ignore[index]
    print(
        f"    {kept:,} samples kept in {len(data):,} leaves; {calls:,} calls in"
        f" {run.seconds:.0f} s = {calls / run.seconds:.0f} calls/s"
    )
    print(f"    {run.out.strip().splitlines()[1]}")
    print(
        f"    prompt tokens repeating another call's prefix of the same leaf:"
        f" {repeated / max(prompt, 1):.1%} of {prompt:,}"
    )
    show("generate (rerun, nothing changed)", labtax(root, env, "generate", *workers))


def commands(root: Path, env: dict[str, str], work: Path) -> None:
    show("status", labtax(root, env, "status"), "<= 2 s")
    show("status --format json", labtax(root, env, "status", "--format", "json"), "<= 2 s")
    show("tree", labtax(root, env, "tree"), "<= 2 s")
    show("tree --format json", labtax(root, env, "tree", "--format", "json"), "<= 2 s")
    for form in ("markdown", "text", "json"):
        diffed = labtax(root, env, "diff", "--base", "main", "--format", form)
        show(f"diff --base main --format {form}", diffed, "<= 10 s")
    help_text = labtax(root, env, "--help").out
    if re.search(r"^\s+export\b", help_text, re.MULTILINE):
        show("export", labtax(root, env, "export", str(work / "export")))
    else:
        print("  export: `labtax export` is not available on this branch yet")
    apparent, allocated = disk_usage(root / "generated")
    git(root, "repack", "-a", "-d", "-q")
    pack = sum(p.stat().st_size for p in (root / ".git/objects/pack").glob("*.pack"))
    print(
        f"  generated/: {apparent / 1024**2:.0f} MiB of content, {allocated / 1024**2:.0f} MiB"
        f" on disk; git pack of the repository: {pack / 1024**2:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--leaves", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--workers", type=int, default=0, help="default: labtax's own choice")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--keep", action="store_true", help="keep the project afterwards")
    args = parser.parse_args()
    # On the project's disk, as a real project's generated/ is (/tmp may be another file system).
    work = Path(tempfile.mkdtemp(prefix=".scale-bench-", dir=Path.cwd()))
    root = make_project(work / "project", args.leaves, args.samples, args.concurrency)
    (root / ".gitignore").write_text(".cache/\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "taxonomy, no data")
    server = Server(0)
    env = {
        **os.environ,
        "LABTAX_TEACHER_API_BASE": server.url,
        "LABTAX_CACHE_DIR": str(root / ".cache"),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    workers = ["--workers", str(args.workers)] if args.workers else []
    try:
        print(
            f"scale bench: {args.leaves} leaves, {args.samples} kept samples aimed for per leaf,"
            f" fake teacher with no latency, concurrency {args.concurrency},"
            f" {os.cpu_count()} CPUs"
        )
        generation(root, env, workers)
        git(root, "checkout", "-q", "-b", "data")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "data")
        commands(root, env, work)
    finally:
        server.stop()
        if args.keep:
            print(f"  project kept at {root}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark `labtax generate` against the fake teacher. Prints its figures; not a test.

1. Throughput: 200 freeform leaves, fake teacher with 200 ms latency, concurrency 8, 32 and 128,
   through litellm's real HTTP path. Efficiency = (calls per second) / (concurrency / latency):
   1.0 means the teacher is never left idle. Target: >= 0.9 at 32.
2. Workers: the same leaves with `--workers` 1, 2 and 4 (each a forked process, as the CLI runs
   them) at a concurrency where the client's CPU is the limit: calls/s and the scaling against one
   worker, the client's CPU per call in ms (the parent and its workers), the peak RSS of each
   worker, and the share of prompt tokens that repeat another call's prefix of the same leaf.
3. Rerun with nothing changed, 1,000 leaves: `labtax generate` in a fresh process (what CI runs);
   it must make zero calls. Target: < 2 s wall time.
4. Peak memory (max RSS) of a `labtax generate` process generating 1,000 leaves over HTTP.

Run: .venv/bin/python bench/generate_bench.py [--quick] [--skip-big] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from labtax import fake_teacher, transport
from labtax.config import load_config
from labtax.generation.plan import Selection, make_plan
from labtax.generation.run import run_plan
from labtax.generation.workers import WorkerPool
from labtax.teacher import Budget, make_teacher

ATTRIBUTION = "Title of work: bench seeds\nLicense of the work: CC-BY-4.0\nCreator names: labtax\n"
LEAF = """\
version: 3
task_description: Answer riddles of family {n} about everyday objects, briefly and kindly.
created_by: bench
seed_examples:
  - question: What has keys but cannot open locks, in riddle family {n}?
    answer: A piano, whose keys play notes instead of opening doors.
  - question: What has hands but cannot clap, in riddle family {n}?
    answer: A clock, whose hands point at the hours.
  - question: What has a neck but no head, in riddle family {n}?
    answer: A bottle; its narrow top is called the neck.
  - question: What gets wetter the more it dries, in riddle family {n}?
    answer: A towel, because it takes the water from whatever it dries.
  - question: What has teeth but cannot bite, in riddle family {n}?
    answer: A comb, whose teeth untangle hair.
"""


def make_project(root: Path, leaves: int, samples: int, concurrency: int) -> Path:
    root.mkdir(parents=True)
    (root / "labtax.toml").write_text(
        f'[teacher]\nmodel = "openai/labtax-fake-teacher"\nconcurrency = {concurrency}\n'
        f"samples_per_leaf = {samples}\ntimeout = 30\n",
        encoding="utf-8",
    )
    for n in range(leaves):
        leaf = root / "taxonomy" / "compositional_skills" / "bench" / f"leaf_{n:04d}" / "qna.yaml"
        leaf.parent.mkdir(parents=True)
        leaf.write_text(LEAF.format(n=n), encoding="utf-8")
        # A leaf validate rejects is refused before any call: each needs its attribution.
        (leaf.parent / "attribution.txt").write_text(ATTRIBUTION, encoding="utf-8")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    return root


def throughput(
    work: Path, url: str, concurrency: int, leaves: int, samples: int
) -> dict[str, float]:
    root = make_project(work / f"tp-{concurrency}", leaves, samples, concurrency)
    os.environ["LABTAX_TEACHER_API_BASE"] = url
    os.environ["LABTAX_CACHE_DIR"] = str(root / ".cache")
    config = load_config(root)
    plan = make_plan(config, Selection())
    run_teacher = make_teacher(config.teacher, config.cache_dir, Budget())
    started = time.perf_counter()
    summary = asyncio.run(run_plan(config, plan, run_teacher))
    elapsed = time.perf_counter() - started
    calls = run_teacher.usage.calls
    ideal = concurrency / 0.2
    if summary.count("generated") != leaves:
        raise SystemExit(f"only {summary.count('generated')} of {leaves} leaves were generated")
    return {
        "calls": calls,
        "seconds": elapsed,
        "rate": calls / elapsed,
        "eff": calls / elapsed / ideal,
    }


def cpu_seconds() -> float:
    """CPU time of this process and of the (waited-for) processes it started."""
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime + children.ru_utime + children.ru_stime


def with_workers(
    work: Path, url: str, workers: int, leaves: int, concurrency: int
) -> tuple[str, float]:
    """One run over `workers` forked worker processes; its figures as a line."""
    root = make_project(work / f"workers-{workers}", leaves, 4, concurrency)
    os.environ["LABTAX_TEACHER_API_BASE"] = url
    os.environ["LABTAX_CACHE_DIR"] = str(root / ".cache")
    config = load_config(root)
    plan = make_plan(config, Selection())
    teacher = make_teacher(config.teacher, config.cache_dir, Budget())
    cpu, started = cpu_seconds(), time.perf_counter()
    pool = WorkerPool.start(config, plan, teacher, workers=workers)
    summary = asyncio.run(pool.run())
    elapsed, used = time.perf_counter() - started, cpu_seconds() - cpu
    if summary.count("generated") != leaves:
        raise SystemExit(f"only {summary.count('generated')} of {leaves} leaves were generated")
    calls = teacher.usage.calls
    manifests = [json.loads(p.read_text()) for p in (root / "generated").rglob("manifest.json")]
    prompt = sum(m["usage"]["prompt_tokens"] for m in manifests)
    repeated = sum(m["usage"]["cached_prompt_tokens"] for m in manifests)
    peaks = ", ".join(f"{w.peak_rss_kib / 1024:.0f}" for w in pool.workers)
    rate = calls / elapsed
    return (
        f"{calls} calls in {elapsed:6.2f} s = {rate:6.1f} calls/s;"
        f" client CPU {used / calls * 1000:.2f} ms/call; peak RSS per worker {peaks} MiB;"
        f" repeated prefixes {repeated / prompt:.1%} of prompt tokens"
    ), rate


def compare_workers(work: Path, args: argparse.Namespace, leaves: int) -> None:
    server = Server(args.workers_latency_ms)
    try:
        print(
            f"workers: {leaves} leaves, fake teacher latency {args.workers_latency_ms} ms,"
            f" concurrency {args.workers_concurrency} in all, {os.cpu_count()} CPUs"
        )
        base = 0.0
        for count in (int(n) for n in args.workers.split(",")):
            line, rate = with_workers(work, server.url, count, leaves, args.workers_concurrency)
            base = base or rate
            print(f"  {count} worker(s): {line}; scaling x{rate / base:.2f}")
    finally:
        server.stop()


def child_run(root: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, max RSS (MiB) and output of `labtax generate` in a fresh process."""
    code = (
        "import sys\n"
        "from labtax.cli import main\n"
        "rc = main(['generate'])\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across exec.
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]\n"
        "print(f'RSS_KIB={hwm}', file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"labtax generate failed:\n{done.stdout}\n{done.stderr}")
    rss = next(
        int(line.split("=", 1)[1])
        for line in done.stderr.splitlines()
        if line.startswith("RSS_KIB=")
    )
    return elapsed, rss / 1024, done.stdout


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


class Server:
    """`labtax fake-teacher` in its own process, so serving never competes with the client."""

    def __init__(self, latency_ms: int) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/v1"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "labtax",
                "fake-teacher",
                "--port",
                str(port),
                "--latency-ms",
                str(latency_ms),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not _listening(port):
            if time.monotonic() > deadline:
                raise SystemExit("the fake teacher did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer leaves, for a smoke run")
    parser.add_argument("--levels", default="8,32,128", help="concurrency levels to measure")
    parser.add_argument("--skip-big", action="store_true", help="skip the 1,000-leaf runs")
    parser.add_argument("--workers", default="1,2,4", help="worker counts to compare")
    parser.add_argument(
        "--workers-latency-ms", type=int, default=200, help="latency for the workers runs"
    )
    parser.add_argument(
        "--workers-concurrency", type=int, default=256, help="total concurrency, workers runs"
    )
    args = parser.parse_args()
    leaves = 40 if args.quick else 200
    big = 100 if args.quick else 1000
    work = Path(tempfile.mkdtemp(prefix="labtax-generate-bench-"))
    # litellm's import (seconds) is paid once here, not inside the timed runs.
    transport.import_litellm()
    try:
        server = Server(200)
        url = server.url
        try:
            print(f"throughput: {leaves} leaves, fake teacher latency 200 ms, 2 samples per leaf")
            for concurrency in (int(level) for level in args.levels.split(",")):
                figures = throughput(work, url, concurrency, leaves, 2)
                print(
                    f"  concurrency {concurrency:>3}: {figures['calls']:>5.0f} calls in "
                    f"{figures['seconds']:6.2f} s = {figures['rate']:7.1f} calls/s, "
                    f"efficiency {figures['eff']:.2f} (calls/s / (concurrency / latency))"
                )
        finally:
            server.stop()

        compare_workers(work, args, leaves)

        if args.skip_big:
            return
        fast, url = fake_teacher.start_in_thread()
        try:
            root = make_project(work / "big", big, 2, 64)
            env = {
                **os.environ,
                "LABTAX_TEACHER_API_BASE": url,
                "LABTAX_CACHE_DIR": str(root / ".cache"),
            }
            seconds, rss, _ = child_run(root, env)
            sent = fast.stats.completions
            print(
                f"first run, {big} leaves (latency 0, concurrency 64): {sent} calls in "
                f"{seconds:.1f} s, peak RSS {rss:.0f} MiB"
            )
            seconds, rss, out = child_run(root, env)
            again = fast.stats.completions - sent
            print(
                f"rerun with nothing changed, {big} leaves: {again} calls, {seconds:.2f} s wall "
                f"(fresh process, incl. interpreter start), peak RSS {rss:.0f} MiB"
            )
            print(f"  ({out.strip()})")
        finally:
            fast.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"bench process peak RSS: {usage:.0f} MiB")


if __name__ == "__main__":
    main()

"""Teacher throughput against its own backend: labtax's teacher next to a bare litellm loop.

The fake teacher runs in its own process with a fixed latency. In this one process, one run, the
bench drives the same number of calls at the same concurrency through (a) a bare
`litellm.acompletion` loop with the arguments labtax sends and (b) `labtax.teacher` with a fresh
response cache, so every call goes out; the two alternate, twice each, and the better of each pair
counts. It prints calls/s of each and their ratio -- the target is labtax >= 0.95 of bare litellm,
at 32 concurrent calls with 200 ms latency and at 256 with 2 s -- and the client CPU per call.
The client is one Python thread: it can never exceed 1 / (CPU per call) calls per second.

    .venv/bin/python bench/teacher_bench.py [--settings 32x200,256x2000] [--rounds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from labtax import transport
from labtax.config import TeacherConfig
from labtax.teacher import Budget, make_teacher


def start_server(latency_ms: float) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "labtax", "fake-teacher", "--port", "0"]
    proc = subprocess.Popen(
        [*command, "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = proc.stdout.readline().strip() if proc.stdout else ""
    if not url.startswith("http"):
        proc.kill()
        raise SystemExit(f"fake teacher did not start: {url!r}")
    return proc, url


def messages(tag: str, index: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "labtax-stage: skill_answer\nYou are a helpful assistant."},
        {
            "role": "user",
            "content": f"<task>\nBench task {tag}\n</task>\n\n<question>\n"
            f"Bench question number {index} of run {tag}?\n</question>\n",
        },
    ]


@dataclass(frozen=True)
class Measure:
    rate: float  # calls per second
    cpu_ms: float  # client CPU per call


async def timed(calls: int, work: Callable[[], Awaitable[Any]]) -> Measure:
    started, cpu = time.perf_counter(), time.process_time()
    await work()
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    return Measure(calls / elapsed, used / calls * 1000)


async def bare(config: TeacherConfig, level: int, calls: int, tag: str) -> Measure:
    """A bare `litellm.acompletion` loop: the arguments labtax's transport sends, nothing else."""
    litellm = transport.import_litellm()
    sender = transport.LitellmTransport(config)
    slots = asyncio.Semaphore(level)
    params = transport.CallParams(config.temperature, config.max_tokens)

    async def one(i: int) -> None:
        request = sender._call_params(messages(tag, i), 0, params)
        async with slots:
            response = await litellm.acompletion(
                **sender._deployment_params(config.api_base), **request
            )
        if not response.choices[0].message.content:
            raise SystemExit("bare litellm got an empty answer")

    async def work() -> None:
        await asyncio.gather(*(one(i) for i in range(calls)))

    return await timed(calls, work)


async def labtax(config: TeacherConfig, cache: Path, level: int, calls: int, tag: str) -> Measure:
    """labtax's teacher: cache, in-flight sharing, budget, retries, pacing, metering."""
    teacher = make_teacher(replace(config, concurrency=level), cache / tag, Budget())

    async def work() -> None:
        await asyncio.gather(
            *(teacher.complete(messages(tag, i), stage="skill_answer") for i in range(calls))
        )

    measured = await timed(calls, work)
    if teacher.usage.calls != calls:
        raise SystemExit(f"expected {calls} calls, got {teacher.usage}")
    return measured


async def setting(url: str, level: int, latency_ms: float, rounds: int, cache: Path) -> None:
    config = TeacherConfig(api_base=url, timeout=60.0, retries=0, concurrency=level)
    calls = level * rounds
    await bare(config, level, level, f"warm-bare-{level}")
    await labtax(config, cache, level, level, f"warm-labtax-{level}")
    bares, ours = [], []
    for turn in range(2):
        bares.append(await bare(config, level, calls, f"bare-{level}-{turn}"))
        ours.append(await labtax(config, cache, level, calls, f"labtax-{level}-{turn}"))
    best_bare = max(bares, key=lambda m: m.rate)
    best_ours = max(ours, key=lambda m: m.rate)
    ideal = level / (latency_ms / 1000)
    print(
        f"  {level} concurrent, {latency_ms:.0f} ms latency, {calls} calls per run"
        f" (bound {ideal:.0f} calls/s):"
    )
    for name, best, runs in (("bare litellm", best_bare, bares), ("labtax", best_ours, ours)):
        print(
            f"    {name + ':':13} {best.rate:7.1f} calls/s  client CPU {best.cpu_ms:.2f} ms/call"
            f"   (runs: {', '.join(f'{m.rate:.1f}' for m in runs)})"
        )
    print(
        f"    ratio labtax / bare litellm: {best_ours.rate / best_bare.rate:.3f} (target >= 0.95)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--settings", default="32x200,256x2000", help="CONCURRENCYxLATENCY_MS, comma-separated"
    )
    parser.add_argument("--rounds", type=int, default=6, help="calls per run = concurrency x this")
    args = parser.parse_args()
    transport.import_litellm()  # seconds, once, outside the timings
    print("teacher bench: labtax's teacher against bare litellm.acompletion, one process")
    # The response cache where a project keeps it, on the project's disk: /tmp may be another
    # file system, with other costs per file created.
    with tempfile.TemporaryDirectory(prefix=".teacher-bench-", dir=Path.cwd()) as tmp:
        for item in args.settings.split(","):
            level, latency = (float(x) for x in item.split("x"))
            proc, url = start_server(latency)
            try:
                await setting(url, int(level), latency, args.rounds, Path(tmp))
            finally:
                proc.terminate()
                proc.wait(timeout=10)
    print(f"  load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    asyncio.run(main())

"""Teacher throughput against the fake teacher: calls per second at several concurrency levels.

Runs the fake teacher in a subprocess (its own interpreter, as in CI) with a fixed latency and
drives `labtax.teacher` through litellm's real HTTP path with a fresh cache, so every call goes out.
Prints calls/s, the efficiency ratio (calls/s) / (concurrency / latency) -- the target is >= 0.9 at
concurrency 32 -- and the client's CPU time per call: the client is one Python thread, so it can
never exceed 1 / (CPU per call) calls per second, whatever the concurrency.

    .venv/bin/python bench/teacher_bench.py [--latency-ms 200] [--rounds 8] [--levels 8,32,128]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

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


def messages(level: int, index: int) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": "labtax-stage: skill_answer\nYou are a helpful assistant."},
        {
            "role": "user",
            "content": f"<task>\nBench task {level}\n</task>\n\n<question>\n"
            f"Bench question number {index} at concurrency {level}?\n</question>\n",
        },
    ]


async def run_level(
    config: TeacherConfig, cache: Path, level: int, rounds: int
) -> tuple[float, float]:
    """Calls per second, and client CPU seconds per call, at concurrency `level`."""
    teacher = make_teacher(replace(config, concurrency=level), cache / str(level), Budget())
    await teacher.complete(messages(level, -1), stage="skill_answer")  # warm the connection pool
    calls = level * rounds
    started = time.perf_counter()
    cpu = time.process_time()
    await asyncio.gather(
        *(teacher.complete(messages(level, i), stage="skill_answer") for i in range(calls))
    )
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if teacher.usage.calls != calls + 1:
        raise SystemExit(f"expected {calls + 1} calls, got {teacher.usage}")
    return calls / elapsed, cpu / calls


async def raw_level(url: str, level: int, rounds: int) -> float:
    """Calls per second of a bare aiohttp client: what the fake server itself sustains."""
    import aiohttp

    limit = aiohttp.TCPConnector(limit=level)
    async with aiohttp.ClientSession(connector=limit) as session:
        slots = asyncio.Semaphore(level)

        async def one(i: int) -> None:
            body = {"model": "raw", "messages": messages(-level, i)}
            async with slots, session.post(f"{url}/chat/completions", json=body) as response:
                await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(level * rounds)))
        return level * rounds / (time.perf_counter() - started)


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=200.0)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--levels", default="8,32,128")
    args = parser.parse_args()
    proc, url = start_server(args.latency_ms)
    try:
        config = TeacherConfig(api_base=url, timeout=30.0, retries=0)
        latency = max(args.latency_ms, 1.0) / 1000
        with tempfile.TemporaryDirectory() as tmp:
            # Import litellm once, outside the timings.
            await run_level(config, Path(tmp) / "warm", 1, 1)
            print(
                f"teacher bench: fake teacher latency {args.latency_ms:.0f} ms,"
                f" {args.rounds} rounds per level"
            )
            for level in (int(x) for x in args.levels.split(",")):
                rate, cpu = await run_level(config, Path(tmp), level, args.rounds)
                ideal = level / latency
                print(
                    f"  concurrency {level:4d}: {rate:7.1f} calls/s"
                    f"  (ideal {ideal:6.1f}, ratio {rate / ideal:.2f});"
                    f" client CPU {cpu * 1000:.2f} ms/call"
                )
            for level in (int(x) for x in args.levels.split(",")):
                rate = await raw_level(url, level, args.rounds)
                print(
                    f"  fake server alone (bare aiohttp client), concurrency {level:4d}:"
                    f" {rate:7.1f} calls/s (ratio {rate / (level / latency):.2f})"
                )
            print(f"  load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())

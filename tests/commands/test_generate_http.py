"""Generation through litellm's real HTTP path against the fake teacher server.

This module imports litellm (~12 s), so every HTTP-level check lives here: a full run equal to the
in-process one, faults at 30 %, a SIGKILL in the middle of a run, and a dry run making no calls.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import projects
from labtax import fake_teacher
from labtax.cli import main


@pytest.fixture
def server(monkeypatch):
    started, url = fake_teacher.start_in_thread()
    monkeypatch.setenv("LABTAX_TEACHER_API_BASE", url)
    monkeypatch.setenv("LABTAX_TEACHER_API_KEY", "fake-key")
    yield started
    started.stop()


def _reference(tmp_path: Path, monkeypatch) -> dict[str, bytes]:
    """generated/ of an uninterrupted, fault-free run with the in-process fake teacher."""
    from labtax.cache import ResponseCache
    from labtax.commands import generate as command
    from labtax.teacher import Teacher

    root = tmp_path / "project"
    transport = projects.InProcessTransport()
    with monkeypatch.context() as patch:
        patch.setattr(
            command,
            "make_teacher",
            lambda config, cache_dir, budget=None: Teacher(
                config, transport, cache=ResponseCache(cache_dir), budget=budget
            ),
        )
        patch.setenv("LABTAX_CACHE_DIR", str(tmp_path / "reference-cache"))
        assert main(["generate"]) == 0
    reference = projects.tree_bytes(root / "generated")
    shutil.rmtree(root / "generated")
    return reference


def test_http_run_faults_and_dry_run(project, server, monkeypatch, capsys):
    tmp_path = project.parent
    reference = _reference(tmp_path, monkeypatch)
    capsys.readouterr()
    # A dry run lists the work with estimates and sends nothing.
    assert main(["generate", "--dry-run"]) == 0
    listing = capsys.readouterr().out
    # One chunk: 3x its quota of 2 pairs and 1 text of each form at most, over 4 rounds.
    assert "knowledge/history/printing_press (knowledge): <= 35 calls" in listing
    assert "cost: not estimated" in listing
    assert server.stats.requests == 0
    assert not (project / "generated").exists()
    # Over HTTP through litellm: the same bytes as the in-process reference.
    assert main(["generate"]) == 0
    assert projects.tree_bytes(project / "generated") == reference
    assert server.stats.completions > 0
    # 30 % faults (429 with Retry-After, 500, hangs past the timeout, torn bodies, empty
    # content): the run completes and loses nothing.
    faulty, url = fake_teacher.start_in_thread(fault_rate=0.3, hang_s=1.5, retry_after_s=0.05)
    try:
        shutil.rmtree(project / "generated")
        monkeypatch.setenv("LABTAX_TEACHER_API_BASE", url)
        monkeypatch.setenv("LABTAX_CACHE_DIR", str(tmp_path / "fault-cache"))
        assert main(["generate", "--concurrency", "32"]) == 0
        # The dice are a hash of request and attempt, so these figures are deterministic.
        assert sum(faulty.stats.faults.values()) >= 5
        assert len(faulty.stats.faults) >= 3
    finally:
        faulty.stop()
    assert projects.tree_bytes(project / "generated") == reference


def test_sigkill_mid_run_then_rerun_is_byte_identical(project, server, tmp_path, monkeypatch):
    reference = _reference(tmp_path, monkeypatch)
    slow, url = fake_teacher.start_in_thread(latency_ms=40)
    cache = tmp_path / "kill-cache"
    env = {
        **os.environ,
        "LABTAX_TEACHER_API_BASE": url,
        "LABTAX_CACHE_DIR": str(cache),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "labtax", "generate", "--concurrency", "2"],
            cwd=project,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        # Kill once some answers are cached and, ideally, some leaves are written.
        while time.monotonic() < deadline and child.poll() is None:
            entries = len(list(cache.rglob("*.json"))) if cache.exists() else 0
            if entries >= 25:
                break
            time.sleep(0.02)
        assert child.poll() is None, "the run finished before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        partial = projects.tree_bytes(project / "generated")
        assert partial != reference
        # Whatever a kill leaves behind is a complete leaf (manifest matching its files) or no
        # leaf at all; a stray temporary file at most.
        for name in partial:
            if name.endswith("manifest.json"):
                leaf = name.rsplit("/", 1)[0]
                assert partial[name] == reference[name]
                assert partial[f"{leaf}/samples.jsonl"] == reference[f"{leaf}/samples.jsonl"]
        monkeypatch.setenv("LABTAX_TEACHER_API_BASE", url)
        monkeypatch.setenv("LABTAX_CACHE_DIR", str(cache))
        requests_before = slow.stats.completions
        assert main(["generate", "--concurrency", "2"]) == 0
        assert slow.stats.completions > requests_before  # it did finish the remaining work
    finally:
        slow.stop()
    # Byte-identical, stray temporary files of the killed run included (they are gone).
    assert projects.tree_bytes(project / "generated") == reference


def test_answers_cut_at_the_limit_end_in_the_same_bytes(project, server, monkeypatch, capsys):
    tmp_path = project.parent
    reference = _reference(tmp_path, monkeypatch)
    cutting, url = fake_teacher.start_in_thread(truncate_rate=0.3)
    try:
        monkeypatch.setenv("LABTAX_TEACHER_API_BASE", url)
        monkeypatch.setenv("LABTAX_CACHE_DIR", str(tmp_path / "cut-cache"))
        capsys.readouterr()
        assert main(["generate"]) == 0
        # A third of the first answers were cut and asked again: more calls than answers.
        assert cutting.stats.truncated >= 5
        out = capsys.readouterr().out
        assert "prompt tokens from the server's prefix cache" in out
    finally:
        cutting.stop()
    assert projects.tree_bytes(project / "generated") == reference


def test_an_unreachable_teacher_is_named_once_for_all_leaves(project, monkeypatch, capsys):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    settings = project / "labtax.toml"
    settings.write_text(settings.read_text().replace("retries = 8", "retries = 1"))
    monkeypatch.setenv("LABTAX_TEACHER_API_BASE", url)
    assert main(["generate"]) == 1
    err = capsys.readouterr().err
    assert err.count(f"cannot reach the teacher at {url}: the connection was refused") == 1
    assert "(4 leaves: " in err
    assert "labtax fake-teacher" in err
    assert not (project / "generated").exists()

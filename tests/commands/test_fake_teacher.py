"""`labtax fake-teacher`: the banner, the URL on stdout for scripts, and option checks."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import urllib.request

import pytest

import clirun


def test_cli_banner_says_it_is_not_a_model():
    proc = subprocess.Popen(
        [sys.executable, "-m", "labtax", "fake-teacher", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", url)
        with urllib.request.urlopen(  # noqa: S310 - the URL the server just printed
            f"{url.removesuffix('/v1')}/health", timeout=5
        ) as answer:
            assert answer.status == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "OFFLINE STAND-IN, NOT A MODEL" in err
    assert url in err
    # The exact lines that point labtax at it, ready to paste.
    assert "    export LABTAX_TEACHER_MODEL=openai/labtax-fake-teacher\n" in err
    assert f"    export LABTAX_TEACHER_API_BASE={url}\n" in err


@pytest.mark.parametrize("option", ["--fault-rate", "--truncate-rate"])
def test_cli_rejects_a_bad_rate(option: str):
    done = subprocess.run(
        [sys.executable, "-m", "labtax", "fake-teacher", option, "2"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert option.removeprefix("--") in done.stderr


def test_a_port_in_use_is_an_expected_error_with_a_hint() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = clirun.run("fake-teacher", "--port", str(port))
    assert (code, out) == (1, "")
    assert f"error: cannot listen on 127.0.0.1:{port}" in err
    assert "hint: pick another --port (0 chooses a free one)" in err


@pytest.mark.parametrize(
    "args", [("--port", "70000"), ("--latency-ms", "-1"), ("--hang-s", "-2"), ("--seed", "x")]
)
def test_out_of_range_options_are_usage_errors(args: tuple[str, str]) -> None:
    assert clirun.run("fake-teacher", *args).code == 2

"""The workflows pass the GitHub workflow JSON schema and zizmor (offline); both checks can fail."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
FILES = sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def tool(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess[str]:
    exe = tool("check-jsonschema")
    return run(exe, "--builtin-schema", "vendor.github-workflows", *map(str, paths))


def zizmor(*paths: Path) -> subprocess.CompletedProcess[str]:
    return run(tool("zizmor"), "--offline", "--no-progress", *map(str, paths))


def test_every_workflow_matches_the_github_workflow_schema():
    done = check_jsonschema(*FILES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    stepz: []\n")
    done = check_jsonschema(bad)
    assert done.returncode == 1
    assert "bad.yml" in done.stdout


def test_zizmor_offline_reports_no_findings():
    done = zizmor(WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings to report" in done.stdout


def test_zizmor_catches_template_injection_and_unpinned_actions(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: pull_request_target\n"
        "permissions: {}\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-24.04\n"
        "    permissions:\n"
        "      contents: read\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with:\n"
        "          ref: ${{ github.event.pull_request.head.sha }}\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n'
    )
    done = zizmor(bad)
    assert done.returncode != 0
    for audit in ("template-injection", "unpinned-uses", "dangerous-triggers"):
        assert audit in done.stdout


def test_every_zizmor_ignore_is_justified_inline():
    """An ignore comment must say why, on the same line after `--` or on the lines below it."""
    for path in FILES:
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if "zizmor: ignore[" not in line:
                continue
            reason = line.split("--", 1)[1].strip() if "--" in line else ""
            following = lines[number + 1] if number + 1 < len(lines) else ""
            if not reason and following.strip().startswith("#"):
                reason = following.strip("# ").strip()
            assert len(reason) > 20, f"{path.name}:{number + 1}: unjustified zizmor ignore"
            assert re.search(r"ignore\[[a-z-]+\]", line), f"{path.name}:{number + 1}"

"""`labtax pr`: the workflow steps as subcommands; their option checks and what each prints.

What each step does is tested with the module behind it, in tests/ci/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import clirun
import githubkit

STEPS = ("request", "check-head", "fetch", "extract", "comment", "status", "publish")


def test_help_lists_every_step() -> None:
    code, out, _ = clirun.run("pr", "--help")
    assert code == 0
    for step in STEPS:
        assert f"  {step} " in out


@pytest.mark.parametrize(
    "args",
    [
        ("pr", "request", "--out", "x.json"),
        ("pr", "check-head"),
        ("pr", "fetch"),
        ("pr", "extract", "--base-sha", "main", "--out", "."),
        (
            "pr",
            "extract",
            "--base-sha",
            "main",
            "--head-sha",
            "a" * 40,
            "--out",
            ".",
            "--max-leaves",
            "0",
        ),
        ("pr", "comment", "--body-file", "c.md", "--head-sha", "a" * 40),
        ("pr", "comment", "--number", "seven", "--body-file", "c.md", "--head-sha", "a" * 40),
        ("pr", "comment", "--number", "7", "--body-file", "c.md"),
        ("pr", "status", "--number", "7", "--head-sha", "a" * 40),
        ("pr", "status", "--number", "7", "--head-sha", "a" * 40, "--outcome", "success"),
        ("pr", "no-such-step"),
    ],
)
def test_missing_or_malformed_options_are_usage_errors(args: tuple[str, ...]) -> None:
    assert clirun.run(*args).code == 2


@pytest.mark.parametrize("option", ["--branch", "--base-branch"])
def test_publish_refuses_a_branch_name_that_is_not_plain(option: str) -> None:
    code, out, err = clirun.run("pr", "publish", option, "main;rm -rf")
    assert (code, out) == (2, "")
    assert f"{option} is not a plain branch name: 'main;rm -rf'" in err


def test_request_prints_the_number_and_sha_it_wrote(tmp_path: Path) -> None:
    head = "1" * 40
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 7, "head": {"sha": head}}}), encoding="utf-8"
    )
    code, out, err = clirun.run(
        "pr", "request", "--event", str(event), "--out", str(tmp_path / "r.json")
    )
    assert code == 0, err
    assert out == f"request: pull request #7 at {head}\n"


def test_extract_prints_each_file_and_a_total(github_repo: Path) -> None:
    githubkit.git(github_repo, "switch", "-q", "-c", "pr")
    githubkit.write(github_repo, "taxonomy/compositional_skills/poetry/ode/qna.yaml", "a: 1\n")
    githubkit.git(
        github_repo, "rm", "-q", "taxonomy/compositional_skills/poetry/haiku/attribution.txt"
    )
    head = githubkit.commit_all(github_repo, "pr")
    githubkit.git(github_repo, "switch", "-q", "main")
    code, out, err = clirun.run(
        "pr", "extract", "--base-sha", "main", "--head-sha", head, "--out", "."
    )
    assert code == 0, err
    assert out.splitlines() == [
        "write  taxonomy/compositional_skills/poetry/ode/qna.yaml (5 bytes)",
        "remove taxonomy/compositional_skills/poetry/haiku/attribution.txt",
        f"1 leaf, 1 file written, 1 removed, 5 bytes from {head[:12]}",
    ]


def test_publish_with_nothing_to_publish_says_so(github_repo: Path, github_env) -> None:
    assert clirun.run("pr", "publish") == (
        0,
        "generated/ already matches the taxonomy: nothing to publish\n",
        "",
    )

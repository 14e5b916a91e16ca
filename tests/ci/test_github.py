"""The `GITHUB_*` environment of a step and the REST client, against the fake API on 127.0.0.1."""

from __future__ import annotations

import base64
import re
import socket
from pathlib import Path

import pytest

import clirun
from labtax.ci.github import GitHubClient, GitHubEnv, fetch_auth_header
from labtax.errors import LabtaxError

ENV = {"GITHUB_REPOSITORY": "octo/taxonomy", "GITHUB_TOKEN": "ghs_faketoken"}


def body_file(tmp_path: Path) -> Path:
    path = tmp_path / "comment.md"
    path.write_text("x\n", encoding="utf-8")
    return path


def comment_step(tmp_path: Path) -> tuple[int, str, str]:
    """`labtax pr comment`, the step whose client talks to the API in these tests."""
    return clirun.run(
        "pr",
        "comment",
        "--number",
        "7",
        "--body-file",
        str(body_file(tmp_path)),
        "--head-sha",
        "a" * 40,
    )


def test_env_defaults_to_the_public_api_and_strips_a_trailing_slash():
    assert GitHubEnv.from_environ(ENV).api_url == "https://api.github.com"
    custom = GitHubEnv.from_environ({**ENV, "GITHUB_API_URL": "https://ghe.example/api/v3/"})
    assert custom.api_url == "https://ghe.example/api/v3"
    assert custom.owner == "octo"


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"GITHUB_REPOSITORY": "octo"}, "not owner/name"),
        ({"GITHUB_REPOSITORY": "octo/tax onomy"}, "not owner/name"),
        ({"GITHUB_REPOSITORY": "../../etc/passwd"}, "not owner/name"),
        ({"GITHUB_TOKEN": ""}, "GITHUB_TOKEN is not set"),
        ({"GITHUB_API_URL": "file:///etc"}, "not an http(s) URL"),
    ],
)
def test_env_refuses_what_a_workflow_step_would_never_set(over, message):
    with pytest.raises(LabtaxError, match=re.escape(message)):
        GitHubEnv.from_environ({**ENV, **over})


def test_fetch_auth_header_is_basic_auth_with_the_token_as_password():
    header = fetch_auth_header(ENV)
    assert header is not None
    scheme, _, encoded = header.removeprefix("Authorization: ").partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(encoded) == b"x-access-token:ghs_faketoken"


def test_fetch_without_a_token_is_anonymous():
    assert fetch_auth_header({"GITHUB_REPOSITORY": "octo/taxonomy"}) is None
    assert fetch_auth_header({"GITHUB_TOKEN": ""}) is None


def test_client_sends_the_token_and_reads_json(fake_github):
    fake_github.pulls[7] = {"number": 7, "state": "open"}
    client = GitHubClient(GitHubEnv.from_environ({**ENV, "GITHUB_API_URL": fake_github.url}))

    assert client.pull(7) == {"number": 7, "state": "open"}
    assert fake_github.token_seen == ["Bearer ghs_faketoken"]
    assert client.request("GET", client.repo_path("pulls/8"), missing_ok=True) is None


def test_comments_are_read_page_by_page_until_a_short_page(fake_github):
    fake_github.comments.extend({"id": i, "body": "c", "user": None} for i in range(1, 251))
    client = GitHubClient(GitHubEnv.from_environ({**ENV, "GITHUB_API_URL": fake_github.url}))

    comments = client.issue_comments(7)

    assert [c["id"] for c in comments] == list(range(1, 251))
    assert len(fake_github.requests) == 3


def test_api_failure_is_a_clear_error(tmp_path, fake_github, github_env, monkeypatch):
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/other")  # the fake knows only octo/taxonomy
    code, _, err = comment_step(tmp_path)
    assert code == 1
    assert "HTTP 404" in err
    assert "Traceback" not in err


def test_unreachable_api_is_a_clear_error(tmp_path, github_env, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{port}")
    code, _, err = comment_step(tmp_path)
    assert code == 1
    assert "unreachable" in err


def test_only_http_api_urls_are_used(tmp_path, github_env, monkeypatch):
    monkeypatch.setenv("GITHUB_API_URL", "file:///etc")
    code, _, err = comment_step(tmp_path)
    assert code == 1
    assert "GITHUB_API_URL is not an http(s) URL" in err

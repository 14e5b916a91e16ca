"""The `GITHUB_*` environment of a workflow step, and a thin client for the GitHub REST API.

Deliberately small: every decision (is this the pull request we were asked about, which comment is
ours) lives in pure functions elsewhere in `labtax.ci` that take plain JSON, so tests drive them
without a network; the client only moves JSON over HTTPS with the job's `GITHUB_TOKEN`. Nothing here
reads a secret other than that token.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labtax.errors import LabtaxError

DEFAULT_API_URL = "https://api.github.com"
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
MAX_COMMENT_PAGES = 30
# owner/name, as GITHUB_REPOSITORY holds it
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")


@dataclass(frozen=True)
class GitHubEnv:
    """Where the API is and who we are, from the `GITHUB_*` variables a workflow step gets."""

    api_url: str
    repository: str
    token: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> GitHubEnv:
        repository = environ.get("GITHUB_REPOSITORY", "")
        if not REPOSITORY.match(repository):
            raise LabtaxError(
                f"GITHUB_REPOSITORY is {repository!r}, not owner/name",
                hint="run this inside a GitHub Actions job, or set GITHUB_REPOSITORY=owner/name",
            )
        token = environ.get("GITHUB_TOKEN", "")
        if not token:
            raise LabtaxError(
                "GITHUB_TOKEN is not set",
                hint="pass the job token to this step: env: GITHUB_TOKEN: ${{ github.token }}",
            )
        api_url = (environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        if urllib.parse.urlsplit(api_url).scheme not in {"https", "http"}:
            raise LabtaxError(f"GITHUB_API_URL is not an http(s) URL: {api_url!r}")
        return cls(api_url, repository, token)

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]


def fetch_auth_header(environ: Mapping[str, str]) -> str | None:
    """The `Authorization` header git sends to fetch from GitHub with the job token, if any.

    GitHub's git endpoint takes the token as the password of HTTP basic auth; public repositories
    need none, so a step without `GITHUB_TOKEN` fetches anonymously.
    """
    token = environ.get("GITHUB_TOKEN")
    if not token:
        return None
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
    return f"Authorization: Basic {basic}"


class GitHubClient:
    """JSON over HTTP(S) to the GitHub REST API; errors become `LabtaxError`s."""

    def __init__(self, env: GitHubEnv, *, timeout: float = 30.0) -> None:
        self.env = env
        self.timeout = timeout

    def request(
        self, method: str, path: str, body: object | None = None, *, missing_ok: bool = False
    ) -> Any:
        url = f"{self.env.api_url}/{path.lstrip('/')}"
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) only, checked in GitHubEnv
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("Authorization", f"Bearer {self.env.token}")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", "labtax")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if missing_ok and exc.code == 404:
                return None
            raise LabtaxError(
                f"GitHub API {method} {path} failed: HTTP {exc.code} {exc.reason}",
                hint="check the job's permissions: block and that the pull request exists",
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise LabtaxError(f"GitHub API {method} {path} unreachable: {exc}") from exc
        if len(raw) > MAX_RESPONSE_BYTES:
            raise LabtaxError(
                f"GitHub API {method} {path}: response over {MAX_RESPONSE_BYTES} bytes"
            )
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise LabtaxError(f"GitHub API {method} {path}: response is not JSON") from exc

    def repo_path(self, tail: str) -> str:
        return f"repos/{self.env.repository}/{tail}"

    def pull(self, number: int) -> dict[str, Any]:
        found = self.request("GET", self.repo_path(f"pulls/{number}"))
        if not isinstance(found, dict):
            raise LabtaxError(f"GitHub API: pull request #{number} is not a JSON object")
        return found

    def issue_comments(self, number: int) -> list[dict[str, Any]]:
        comments: list[dict[str, Any]] = []
        for page in range(1, MAX_COMMENT_PAGES + 1):
            batch = self.request(
                "GET", self.repo_path(f"issues/{number}/comments?per_page=100&page={page}")
            )
            if not isinstance(batch, list):
                raise LabtaxError(f"GitHub API: comments of #{number} are not a JSON list")
            comments.extend(c for c in batch if isinstance(c, dict))
            if len(batch) < 100:
                break
        return comments

    def create_comment(self, number: int, body: str) -> int:
        made = self.request("POST", self.repo_path(f"issues/{number}/comments"), {"body": body})
        return _comment_id(made)

    def update_comment(self, comment_id: int, body: str) -> int:
        made = self.request(
            "PATCH", self.repo_path(f"issues/comments/{comment_id}"), {"body": body}
        )
        return _comment_id(made)


def _comment_id(made: object) -> int:
    if isinstance(made, dict) and isinstance(made.get("id"), int):
        return int(made["id"])
    raise LabtaxError("GitHub API: the comment response has no id")

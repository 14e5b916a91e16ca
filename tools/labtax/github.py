"""A thin GitHub REST client for the workflow steps, and the sticky-comment decision.

Deliberately small: every decision (is this the PR we were asked about, which comment is ours) lives
in pure functions that take plain JSON, so tests drive them without a network; the client only moves
JSON over HTTPS with the job's `GITHUB_TOKEN`. Nothing here reads a secret other than that token.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from labtax.errors import LabtaxError

DEFAULT_API_URL = "https://api.github.com"
STICKY_MARKER = "<!-- labtax-data-diff -->"
BOT_LOGIN = "github-actions[bot]"
# GitHub rejects comment bodies over 65,536 characters; keep room for the marker and a note.
MAX_COMMENT_CHARS = 65_000
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
MAX_COMMENT_PAGES = 30
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")


@dataclass(frozen=True)
class Settings:
    """Where the API is and who we are, from the `GITHUB_*` variables a workflow step gets."""

    api_url: str
    repository: str
    token: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        repository = environ.get("GITHUB_REPOSITORY", "")
        if not _REPOSITORY.match(repository):
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


class Client:
    """JSON over HTTP(S) to the GitHub REST API; errors become `LabtaxError`s."""

    def __init__(self, settings: Settings, *, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def request(
        self, method: str, path: str, body: object | None = None, *, missing_ok: bool = False
    ) -> Any:
        url = f"{self.settings.api_url}/{path.lstrip('/')}"
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) only, checked in Settings
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("Authorization", f"Bearer {self.settings.token}")
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
        return f"repos/{self.settings.repository}/{tail}"

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


def find_sticky(
    comments: Sequence[Mapping[str, Any]], *, marker: str = STICKY_MARKER, author: str = BOT_LOGIN
) -> int | None:
    """The id of our earlier comment: the first one by `author` whose body starts with `marker`.

    The author check matters: the job token may edit anyone's comment, and a contributor could post
    a comment carrying the marker to have the workflow overwrite it.
    """
    for comment in comments:
        user = comment.get("user")
        login = user.get("login") if isinstance(user, Mapping) else None
        body = comment.get("body")
        ident = comment.get("id")
        if login != author or not isinstance(body, str) or not isinstance(ident, int):
            continue
        if body.lstrip().startswith(marker):
            return ident
    return None


def sticky_body(
    markdown: str, *, marker: str = STICKY_MARKER, limit: int = MAX_COMMENT_CHARS
) -> str:
    """`markdown` with `marker` as its first line, cut to `limit` characters with a note."""
    text = markdown.lstrip("\ufeff")
    if text.lstrip().startswith(marker):
        text = text.lstrip()[len(marker) :].lstrip("\n")
    body = f"{marker}\n{text}"
    if len(body) <= limit:
        return body
    note = "\n\n_Comment truncated; the full report is in the run's `labtax-report` artifact._\n"
    return body[: limit - len(note)] + note


@dataclass(frozen=True)
class Posted:
    comment_id: int
    created: bool


def post_sticky(client: Client, number: int, markdown: str, *, author: str = BOT_LOGIN) -> Posted:
    """Update our one comment on the pull request in place, or create it the first time."""
    body = sticky_body(markdown)
    existing = find_sticky(client.issue_comments(number), author=author)
    if existing is None:
        return Posted(client.create_comment(number, body), created=True)
    return Posted(client.update_comment(existing, body), created=False)


# ---------------------------------------------------------------------------------------------
# Publishing generated data as a pull request


@dataclass(frozen=True)
class Published:
    commit: str
    pull_number: int
    created: bool


def publish(
    client: Client,
    *,
    parent: str,
    files: Mapping[str, bytes | None],
    branch: str,
    base_branch: str,
    title: str,
    body: str,
) -> Published:
    """Commit `files` (None = delete) on top of `parent` as `branch`, and open or reuse its PR.

    The commit is made with the Git Data API, so the job needs no push credentials on disk; the
    branch is force-moved to the new commit because it only ever holds generated data.
    """
    entries = [_tree_entry(client, path, files[path]) for path in sorted(files)]
    base_commit = client.request("GET", client.repo_path(f"git/commits/{parent}"))
    base_tree = _field(base_commit, "tree", "sha")
    tree = client.request(
        "POST", client.repo_path("git/trees"), {"base_tree": base_tree, "tree": entries}
    )
    commit = client.request(
        "POST",
        client.repo_path("git/commits"),
        {"message": title, "tree": _field(tree, "sha"), "parents": [parent]},
    )
    commit_sha = str(_field(commit, "sha"))
    quoted = urllib.parse.quote(branch, safe="/")
    if client.request("GET", client.repo_path(f"git/ref/heads/{quoted}"), missing_ok=True) is None:
        ref = {"ref": f"refs/heads/{branch}", "sha": commit_sha}
        client.request("POST", client.repo_path("git/refs"), ref)
    else:
        move = {"sha": commit_sha, "force": True}
        client.request("PATCH", client.repo_path(f"git/refs/heads/{quoted}"), move)
    owner = client.settings.repository.split("/", 1)[0]
    query = urllib.parse.urlencode(
        {"head": f"{owner}:{branch}", "base": base_branch, "state": "open"}
    )
    existing = client.request("GET", client.repo_path(f"pulls?{query}"))
    if isinstance(existing, list) and existing and isinstance(existing[0], dict):
        return Published(commit_sha, int(_field(existing[0], "number")), created=False)
    made = client.request(
        "POST",
        client.repo_path("pulls"),
        {"title": title, "head": branch, "base": base_branch, "body": body},
    )
    return Published(commit_sha, int(_field(made, "number")), created=True)


def _tree_entry(client: Client, path: str, data: bytes | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": path, "mode": "100644", "type": "blob"}
    if data is None:
        return {**entry, "sha": None}
    try:
        # Text goes inline in the one tree request: a blob request per file would run into
        # GitHub's secondary rate limit on content creation for large data changes.
        return {**entry, "content": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {**entry, "sha": _blob(client, data)}


def _blob(client: Client, data: bytes) -> str:
    payload = {"content": base64.b64encode(data).decode("ascii"), "encoding": "base64"}
    return str(_field(client.request("POST", client.repo_path("git/blobs"), payload), "sha"))


def _field(data: object, *keys: str) -> Any:
    value = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        raise LabtaxError(f"GitHub API: response has no {'.'.join(keys)}")
    return value

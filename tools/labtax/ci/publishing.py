"""Generated data proposed as a pull request, committed through the GitHub API.

After a merge, the publish job regenerates stale leaves and hands the changes under `generated/` to
review as a pull request of their own. The commit is made with the Git Data API, so the job needs no
push credentials on disk; the branch only ever holds generated data, so it is force-moved each run.
"""

from __future__ import annotations

import base64
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtax import gitio
from labtax.ci.github import GitHubClient, GitHubEnv
from labtax.config import Config
from labtax.errors import LabtaxError, Location, UsageError
from labtax.util import plural

DEFAULT_DATA_BRANCH = "labtax/generated"
DEFAULT_BASE_BRANCH = "main"
_BRANCH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}$")


@dataclass(frozen=True)
class DataPullRequest:
    """The data commit on the branch, and the pull request that proposes it."""

    commit: str
    pull_number: int
    created: bool
    files: int


def check_branch_name(option: str, value: str) -> str:
    """`value` when it is a plain branch name; else a usage error naming `option`."""
    if not _BRANCH.match(value) or ".." in value or value.endswith((".lock", "/")):
        raise UsageError(f"{option} is not a plain branch name: {value!r}")
    return value


def generated_changes(root: Path, generated: str, head: str) -> dict[str, bytes | None]:
    """Files under `generated` that differ from `head`: contents, or None for a deletion."""
    files: dict[str, bytes | None] = {}
    entries = gitio.diff_name_status(head, [generated], cwd=root, include_untracked=True)
    for entry in entries:
        if entry.old_path is not None:
            files[entry.old_path] = None
        if entry.status == "D":
            files[entry.path] = None
            continue
        target = root / entry.path
        if target.is_symlink() or not target.is_file():
            raise LabtaxError("not a regular file", location=Location(entry.path))
        files[entry.path] = target.read_bytes()
    return files


def publish(
    client: GitHubClient,
    *,
    parent: str,
    files: Mapping[str, bytes | None],
    branch: str,
    base_branch: str,
    title: str,
    body: str,
) -> DataPullRequest:
    """Commit `files` (None = delete) on top of `parent` as `branch`, and open or reuse its PR."""
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
    query = urllib.parse.urlencode(
        {"head": f"{client.env.owner}:{branch}", "base": base_branch, "state": "open"}
    )
    existing = client.request("GET", client.repo_path(f"pulls?{query}"))
    if isinstance(existing, list) and existing and isinstance(existing[0], dict):
        number = int(_field(existing[0], "number"))
        return DataPullRequest(commit_sha, number, created=False, files=len(files))
    made = client.request(
        "POST",
        client.repo_path("pulls"),
        {"title": title, "head": branch, "base": base_branch, "body": body},
    )
    return DataPullRequest(commit_sha, int(_field(made, "number")), created=True, files=len(files))


def _tree_entry(client: GitHubClient, path: str, data: bytes | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": path, "mode": "100644", "type": "blob"}
    if data is None:
        return {**entry, "sha": None}
    try:
        # Text goes inline in the one tree request: a blob request per file would run into
        # GitHub's secondary rate limit on content creation for large data changes.
        return {**entry, "content": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {**entry, "sha": _blob(client, data)}


def _blob(client: GitHubClient, data: bytes) -> str:
    payload = {"content": base64.b64encode(data).decode("ascii"), "encoding": "base64"}
    return str(_field(client.request("POST", client.repo_path("git/blobs"), payload), "sha"))


def _field(data: object, *keys: str) -> Any:
    value = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        raise LabtaxError(f"GitHub API: response has no {'.'.join(keys)}")
    return value


def publish_generated(
    config: Config, environ: Mapping[str, str], *, branch: str, base_branch: str
) -> DataPullRequest | None:
    """`labtax pr publish`: the working tree's changes under generated/ as a data pull request.

    None when generated/ already matches HEAD; then no API call is made.
    """
    root = gitio.toplevel(config.root)
    head = gitio.head(cwd=root)
    files = generated_changes(root, config.rel(config.generated), head)
    if not files:
        return None
    return publish(
        GitHubClient(GitHubEnv.from_environ(environ)),
        parent=head,
        files=files,
        branch=branch,
        base_branch=base_branch,
        title=f"labtax: generated data for {head[:12]}",
        body=f"Generated by `labtax generate --changed` for {head}.\n\n"
        f"{plural(len(files), 'file')} under generated/ changed. Review the data, then merge.",
    )

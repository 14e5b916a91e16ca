"""The data diff as one sticky comment on a pull request, tied to the head commit it was made for.

The comment names the commit its data diff was generated for and links the run that made it. Only
the run for the pull request's current head writes it: a run for an older commit leaves it alone.
When the current head produces no data (the run waits for approval, refused the commit, failed or
was cancelled) the comment says so in a banner at its top, and a data diff kept from an older
commit is marked stale there, plainly.

Layout of the body, each marker on a line of its own:

    <!-- labtax-data-diff -->            what `find_sticky` looks for
    <!-- labtax-head: <sha> -->          the commit the data below was made for (when there is data)
    > banner                             only while the current head has no data of its own
    <!-- labtax-data -->                 the data section: its heading, then the diff
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from labtax.ci.binding import valid_number, valid_sha
from labtax.ci.github import REPOSITORY, GitHubClient, GitHubEnv
from labtax.errors import LabtaxError, Location

STICKY_MARKER = "<!-- labtax-data-diff -->"
DATA_MARKER = "<!-- labtax-data -->"
BOT_LOGIN = "github-actions[bot]"
# GitHub rejects comment bodies over 65,536 characters; keep room for the marker and a note.
MAX_COMMENT_CHARS = 65_000

Outcome = Literal["pending", "invalid", "refused", "failure", "cancelled"]
OUTCOMES: tuple[Outcome, ...] = ("pending", "invalid", "refused", "failure", "cancelled")

_HEAD_LINE = re.compile(r"^<!-- labtax-head: ([0-9a-f]{40}|[0-9a-f]{64}) -->$")
_RUN_ID = re.compile(r"^[0-9]{1,20}$")
_BANNERS: dict[Outcome, str] = {
    "pending": "⏳ **Data for `{sha}` is on its way:** its generation run is waiting for a "
    "maintainer's approval, or running ({run}).",
    "invalid": "❌ **No data for `{sha}`:** its leaves do not validate, so nothing was generated;"
    " its validation run lists each problem as file:line:col ({run}). Fix them and push again.",
    "refused": "⛔ **No data for `{sha}`:** the generation run refused this commit before "
    "generating ({run}): it changes files outside `taxonomy/`, or holds a symlink, a "
    "submodule or a file over the caps.",
    "failure": "❌ **No data for `{sha}`:** its generation run failed, or its approval was "
    "refused ({run}).",
    "cancelled": "⏹️ **No data for `{sha}`:** its generation run was cancelled ({run}).",
}


@dataclass(frozen=True)
class PostedComment:
    comment_id: int
    created: bool


@dataclass(frozen=True)
class Superseded:
    """Nothing written: the pull request moved on to `head_sha`, whose run owns the comment."""

    head_sha: str


@dataclass(frozen=True)
class StickyState:
    """What our comment shows now: the commit its data diff is for, and that data section."""

    data_sha: str | None
    data: str  # from DATA_MARKER on; "" when the comment holds no data diff


def find_sticky(
    comments: Sequence[Mapping[str, Any]], *, marker: str = STICKY_MARKER, author: str = BOT_LOGIN
) -> int | None:
    """The id of our earlier comment: the first one by `author` whose body starts with `marker`.

    The author check matters: the job token may edit anyone's comment, and a contributor could post
    a comment carrying the marker to have the workflow overwrite it.
    """
    found = _find(comments, marker=marker, author=author)
    return None if found is None else found[0]


def _find(
    comments: Sequence[Mapping[str, Any]], *, marker: str = STICKY_MARKER, author: str = BOT_LOGIN
) -> tuple[int, str] | None:
    for comment in comments:
        user = comment.get("user")
        login = user.get("login") if isinstance(user, Mapping) else None
        body = comment.get("body")
        ident = comment.get("id")
        if login != author or not isinstance(body, str) or not isinstance(ident, int):
            continue
        if body.lstrip().startswith(marker):
            return ident, body
    return None


def parse_sticky(body: str) -> StickyState:
    """Our comment's data section and the commit it is for (None when unknown or absent).

    Only the lines before the data marker are read for the commit: the diff below it quotes
    pull request content, which may hold anything, markers included.
    """
    head, marker, data = body.lstrip().partition(f"\n{DATA_MARKER}\n")
    header = head.splitlines()
    ours = bool(marker) and all(
        line == STICKY_MARKER or line.startswith(">") or _HEAD_LINE.match(line) for line in header
    )
    if not ours:
        # A comment from before head tracking: all of it is data, for an unknown commit.
        text = body.lstrip().removeprefix(STICKY_MARKER).lstrip("\n")
        return StickyState(None, f"{DATA_MARKER}\n{text}" if text.strip() else "")
    shas = [m[1] for line in header if (m := _HEAD_LINE.match(line))]
    return StickyState(shas[0] if shas else None, f"{DATA_MARKER}\n{data}")


def run_url(environ: Mapping[str, str]) -> str | None:
    """The link to this workflow run, from the runner's variables; None outside a workflow."""
    server = environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    repository = environ.get("GITHUB_REPOSITORY", "")
    run_id = environ.get("GITHUB_RUN_ID", "")
    parts = urllib.parse.urlsplit(server)
    odd = re.search(r"[\s()<>\[\]]", server) is not None
    plain = parts.scheme in {"https", "http"} and bool(parts.netloc) and not odd
    if not plain or not REPOSITORY.match(repository) or not _RUN_ID.match(run_id):
        return None
    return f"{server}/{repository}/actions/runs/{run_id}"


def _run_link(url: str | None) -> str:
    return f"[run]({url})" if url else "see the repository's Actions tab"


def _limited(body: str, limit: int) -> str:
    if len(body) <= limit:
        return body
    note = "\n\n_Comment truncated; the full report is in the run's `labtax-report` artifact._\n"
    return body[: limit - len(note)] + note


def sticky_body(
    markdown: str,
    *,
    head_sha: str | None = None,
    url: str | None = None,
    marker: str = STICKY_MARKER,
    limit: int = MAX_COMMENT_CHARS,
) -> str:
    """A fresh data diff for `head_sha`: the markers, a heading naming the commit and run, the diff.

    Cut to `limit` characters with a note pointing at the report artifact.
    """
    text = markdown.lstrip("\ufeff")
    if text.lstrip().startswith(marker):
        text = text.lstrip()[len(marker) :].lstrip("\n")
    if head_sha is None:
        return _limited(f"{marker}\n{text}", limit)
    heading = f"**labtax data diff** for commit `{head_sha}` ({_run_link(url)})"
    body = f"{marker}\n<!-- labtax-head: {head_sha} -->\n{DATA_MARKER}\n{heading}\n\n{text}"
    return _limited(body, limit)


def status_body(
    state: StickyState,
    head_sha: str,
    outcome: Outcome,
    *,
    url: str | None = None,
    limit: int = MAX_COMMENT_CHARS,
) -> str:
    """Our comment once the pull request's head `head_sha` has no data of its own (yet).

    The banner says what happened to `head_sha`, then whether the data kept below is stale.
    """
    lines = [STICKY_MARKER]
    if state.data_sha is not None and state.data:
        lines.append(f"<!-- labtax-head: {state.data_sha} -->")
    lines.append("> " + _BANNERS[outcome].format(sha=head_sha, run=_run_link(url)))
    lines.append(">")
    if not state.data:
        lines.append("> No data diff has been posted for this pull request yet.")
    elif state.data_sha == head_sha:
        lines.append("> The data diff below is from an earlier run for this same commit.")
    elif state.data_sha is None:
        lines.append("> ⚠️ **The data diff below is stale:** it is for an earlier commit.")
    else:
        lines.append(
            f"> ⚠️ **The data diff below is stale:** it is for `{state.data_sha}`, an older "
            "commit of this pull request."
        )
    body = "\n".join(lines) + "\n" + (f"{state.data}" if state.data else "")
    return _limited(body, limit)


def current_head(client: GitHubClient, number: int) -> str:
    """The pull request's head commit, as GitHub has it now."""
    head = client.pull(number).get("head")
    return valid_sha(head.get("sha") if isinstance(head, Mapping) else None, "GitHub API head")


def post_sticky(
    client: GitHubClient,
    number: int,
    markdown: str,
    *,
    head_sha: str | None = None,
    url: str | None = None,
    author: str = BOT_LOGIN,
) -> PostedComment:
    """Update our one comment on the pull request in place, or create it the first time."""
    body = sticky_body(markdown, head_sha=head_sha, url=url)
    return _write(client, number, body, _find(client.issue_comments(number), author=author))


def _write(
    client: GitHubClient, number: int, body: str, existing: tuple[int, str] | None
) -> PostedComment:
    if existing is None:
        return PostedComment(client.create_comment(number, body), created=True)
    return PostedComment(client.update_comment(existing[0], body), created=False)


def post_data_diff(
    number: int,
    body_file: Path,
    environ: Mapping[str, str],
    *,
    head_sha: str,
    author: str = BOT_LOGIN,
) -> PostedComment | Superseded:
    """`labtax pr comment`: the markdown in `body_file` as the sticky comment, for `head_sha`.

    Nothing is written when the pull request has moved on: the newer head's run owns the comment.
    """
    pr_number = valid_number(number, "--number")
    sha = valid_sha(head_sha, "--head-sha")
    try:
        markdown = body_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabtaxError(
            f"cannot read the comment body: {exc}", location=Location(str(body_file))
        ) from exc
    client = GitHubClient(GitHubEnv.from_environ(environ))
    now = current_head(client, pr_number)
    if now != sha:
        return Superseded(now)
    return post_sticky(
        client, pr_number, markdown, head_sha=sha, url=run_url(environ), author=author
    )


def post_outcome(
    number: int,
    head_sha: str,
    outcome: str,
    environ: Mapping[str, str],
    *,
    author: str = BOT_LOGIN,
) -> PostedComment | Superseded:
    """`labtax pr status`: mark the sticky comment with what became of `head_sha`'s data.

    `outcome` is `pending` (waiting for approval or running), `invalid` (the triggering run's
    validation failed), `refused`, `failure` or `cancelled` (the generate job's result). Nothing
    is written when the pull request has moved on past `head_sha`; the data diff the comment
    holds is kept below the banner.
    """
    pr_number = valid_number(number, "--number")
    sha = valid_sha(head_sha, "--head-sha")
    if outcome not in OUTCOMES:
        raise LabtaxError(
            f"unknown outcome {outcome!r:.40}", hint=f"choose from {', '.join(OUTCOMES)}"
        )
    client = GitHubClient(GitHubEnv.from_environ(environ))
    now = current_head(client, pr_number)
    if now != sha:
        return Superseded(now)
    existing = _find(client.issue_comments(pr_number), author=author)
    state = parse_sticky(existing[1]) if existing else StickyState(None, "")
    chosen = next(o for o in OUTCOMES if o == outcome)
    body = status_body(state, sha, chosen, url=run_url(environ))
    return _write(client, pr_number, body, existing)

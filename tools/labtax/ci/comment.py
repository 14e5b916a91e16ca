"""The data diff as one sticky comment on a pull request, updated in place on every run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtax.ci.binding import valid_number
from labtax.ci.github import GitHubClient, GitHubEnv
from labtax.errors import LabtaxError, Location

STICKY_MARKER = "<!-- labtax-data-diff -->"
BOT_LOGIN = "github-actions[bot]"
# GitHub rejects comment bodies over 65,536 characters; keep room for the marker and a note.
MAX_COMMENT_CHARS = 65_000


@dataclass(frozen=True)
class PostedComment:
    comment_id: int
    created: bool


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


def post_sticky(
    client: GitHubClient, number: int, markdown: str, *, author: str = BOT_LOGIN
) -> PostedComment:
    """Update our one comment on the pull request in place, or create it the first time."""
    body = sticky_body(markdown)
    existing = find_sticky(client.issue_comments(number), author=author)
    if existing is None:
        return PostedComment(client.create_comment(number, body), created=True)
    return PostedComment(client.update_comment(existing, body), created=False)


def post_data_diff(
    number: int, body_file: Path, environ: Mapping[str, str], *, author: str = BOT_LOGIN
) -> PostedComment:
    """`labtax pr comment`: post the markdown in `body_file` as the sticky comment on `number`."""
    pr_number = valid_number(number, "--number")
    try:
        markdown = body_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabtaxError(
            f"cannot read the comment body: {exc}", location=Location(str(body_file))
        ) from exc
    client = GitHubClient(GitHubEnv.from_environ(environ))
    return post_sticky(client, pr_number, markdown, author=author)

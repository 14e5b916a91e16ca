"""`labtax pr comment`: one sticky data-diff comment per pull request, updated in place."""

from __future__ import annotations

from pathlib import Path

import clirun
from labtax.ci import comment

MARKER = comment.STICKY_MARKER


def body_file(tmp_path: Path, text: str, name: str = "comment.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_first_run_creates_then_later_runs_update_the_same_comment(
    tmp_path, fake_github, github_env
):
    first = body_file(tmp_path, f"{MARKER}\n## Data diff\n+3 samples\n", "one.md")
    second = body_file(tmp_path, "## Data diff\n+5 samples\n", "two.md")

    code, out, err = clirun.run("pr", "comment", "--number", "7", "--body-file", str(first))
    assert code == 0, err
    assert "created comment 5000 on pull request #7" in out

    code, out, err = clirun.run("pr", "comment", "--number", "7", "--body-file", str(second))
    assert code == 0, err
    assert "updated comment 5000 on pull request #7" in out

    assert len(fake_github.comments) == 1
    assert fake_github.comments[0]["body"] == f"{MARKER}\n## Data diff\n+5 samples\n"
    methods = [(m, p.split("?")[0]) for m, p, _ in fake_github.requests]
    assert methods[-1] == ("PATCH", "/repos/octo/taxonomy/issues/comments/5000")


def test_a_contributor_comment_carrying_the_marker_is_never_edited(
    tmp_path, fake_github, github_env
):
    """The job token could edit anyone's comment; only the bot's own comment is ours."""
    planted = {"id": 1, "body": f"{MARKER}\nplease overwrite me", "user": {"login": "mallory"}}
    fake_github.comments.append(planted)

    code, out, err = clirun.run(
        "pr", "comment", "--number", "7", "--body-file", str(body_file(tmp_path, "diff\n"))
    )

    assert code == 0, err
    assert "created comment" in out
    assert planted["body"] == f"{MARKER}\nplease overwrite me"
    assert fake_github.comments[1]["body"] == f"{MARKER}\ndiff\n"


def test_finds_our_comment_beyond_the_first_page(tmp_path, fake_github, github_env):
    for ident in range(1, 151):
        fake_github.comments.append({"id": ident, "body": "chatter", "user": {"login": "alice"}})
    fake_github.comments.append(
        {"id": 999, "body": f"{MARKER}\nold", "user": {"login": "github-actions[bot]"}}
    )

    code, out, err = clirun.run(
        "pr", "comment", "--number", "7", "--body-file", str(body_file(tmp_path, "new\n"))
    )

    assert code == 0, err
    assert "updated comment 999" in out
    assert fake_github.comments[-1]["body"] == f"{MARKER}\nnew\n"


def test_oversized_body_is_cut_below_githubs_limit_with_a_pointer_to_the_artifact():
    body = comment.sticky_body("x" * 200_000)
    assert len(body) <= comment.MAX_COMMENT_CHARS < 65_536
    assert body.startswith(MARKER + "\n")
    assert "labtax-report" in body[-200:]


def test_find_sticky_ignores_malformed_comments():
    comments = [
        {"id": "1", "body": MARKER, "user": {"login": comment.BOT_LOGIN}},
        {"id": 2, "body": None, "user": {"login": comment.BOT_LOGIN}},
        {"id": 3, "body": MARKER, "user": None},
        {"id": 4, "body": f"quoted: {MARKER}", "user": {"login": comment.BOT_LOGIN}},
        {"id": 5, "body": f"  {MARKER}\nours", "user": {"login": comment.BOT_LOGIN}},
    ]
    assert comment.find_sticky(comments) == 5


def test_unreadable_body_file_is_a_located_error(tmp_path, github_env):
    bad = tmp_path / "comment.md"
    bad.write_bytes(b"\xff\xfe not utf-8")
    code, _, err = clirun.run("pr", "comment", "--number", "7", "--body-file", str(bad))
    assert code == 1
    assert err.startswith(f"{bad}: error: cannot read the comment body")


def test_marker_is_the_one_labtax_diff_writes():
    from labtax.render import datadiff_markdown

    assert datadiff_markdown.MARKER == comment.STICKY_MARKER

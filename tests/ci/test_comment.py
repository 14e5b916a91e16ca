"""`labtax pr comment` and `labtax pr status`: one sticky comment per pull request, tied to a head.

The hostile cases (older runs, refused pushes, approval never given, forged markers) are the corpus
in `hostile/sticky_comments.toml`.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

import clirun
from labtax.ci import comment

MARKER = comment.STICKY_MARKER
HEAD = "a" * 40
NEWER = "b" * 40
RUN = "https://github.com/octo/taxonomy/actions/runs/4242"
CASES = tomllib.loads(
    (Path(__file__).resolve().parent / "hostile" / "sticky_comments.toml").read_text("utf-8")
)


@pytest.fixture
def pull(fake_github, github_env, monkeypatch) -> dict[str, Any]:
    """Pull request #7 at HEAD, and the run variables a workflow step has."""
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    fake_github.pulls[7] = {"number": 7, "state": "open", "head": {"sha": HEAD}}
    return fake_github.pulls[7]


def body_file(tmp_path: Path, text: str, name: str = "comment.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def post(path: Path, head: str = HEAD) -> clirun.Run:
    return clirun.run(
        "pr", "comment", "--number", "7", "--body-file", str(path), "--head-sha", head
    )


def mark(outcome: str, head: str = HEAD) -> clirun.Run:
    return clirun.run("pr", "status", "--number", "7", "--head-sha", head, "--outcome", outcome)


def test_first_run_creates_then_later_runs_update_the_same_comment(tmp_path, fake_github, pull):
    first = body_file(tmp_path, f"{MARKER}\n## Data diff\n+3 samples\n", "one.md")
    second = body_file(tmp_path, "## Data diff\n+5 samples\n", "two.md")

    code, out, err = post(first)
    assert code == 0, err
    assert "created comment 5000 on pull request #7" in out

    pull["head"]["sha"] = NEWER
    code, out, err = post(second, NEWER)
    assert code == 0, err
    assert "updated comment 5000 on pull request #7" in out

    assert len(fake_github.comments) == 1
    assert fake_github.comments[0]["body"] == (
        f"{MARKER}\n<!-- labtax-head: {NEWER} -->\n{comment.DATA_MARKER}\n"
        f"**labtax data diff** for commit `{NEWER}` ([run]({RUN}))\n\n## Data diff\n+5 samples\n"
    )
    methods = [(m, p.split("?")[0]) for m, p, _ in fake_github.requests]
    assert methods[-1] == ("PATCH", "/repos/octo/taxonomy/issues/comments/5000")


def test_a_newer_head_marks_the_diff_stale_until_its_own_data_arrives(tmp_path, fake_github, pull):
    assert post(body_file(tmp_path, "+3 samples\n")).code == 0
    pull["head"]["sha"] = NEWER
    code, out, err = mark("pending", NEWER)
    assert code == 0, err
    assert "updated comment 5000" in out
    body = fake_github.comments[0]["body"]
    lines = body.splitlines()
    assert lines[:2] == [MARKER, f"<!-- labtax-head: {HEAD} -->"]
    assert lines[2].startswith(f"> ⏳ **Data for `{NEWER}` is on its way:**")
    assert f"**The data diff below is stale:** it is for `{HEAD}`" in body
    assert body.endswith("+3 samples\n")
    # The newer run's data replaces the banner entirely.
    assert post(body_file(tmp_path, "+9 samples\n", "new.md"), NEWER).code == 0
    body = fake_github.comments[0]["body"]
    assert "stale" not in body
    assert "on its way" not in body
    assert f"<!-- labtax-head: {NEWER} -->" in body


@pytest.mark.parametrize("name", sorted(CASES))
def test_sticky_comment_cases(name: str, tmp_path: Path, fake_github, pull) -> None:
    case = CASES[name]
    assert case["tries"]
    pull["head"]["sha"] = case["pull_head"] * 40
    fake_github.comments.extend(
        {"id": c["id"], "body": c["body"], "user": {"login": c["login"]}} for c in case["comments"]
    )
    before = {c["id"]: c["body"] for c in fake_github.comments}
    head = case["head"] * 40
    if case["step"] == "comment":
        run = post(body_file(tmp_path, "## Data diff\nfrom this run\n"), head)
    else:
        run = mark(case["outcome"], head)
    assert run.code == 0, run.err
    writes = case["writes"]
    written = [c for c in fake_github.comments if before.get(c["id"]) != c["body"]]
    if writes == "none":
        assert written == []
        assert "has moved on to" in run.out
        assert "nothing written" in run.out
    elif writes == "create":
        assert [c["id"] for c in written] == [5000 + len(before)]
    else:
        assert [c["id"] for c in written] == [writes]
    for ident in case.get("untouched", []):
        assert next(c for c in fake_github.comments if c["id"] == ident)["body"] == before[ident]
    if not written:
        return
    body = written[0]["body"]
    assert body.startswith(MARKER + "\n")
    banner = next(line for line in body.splitlines() if line.startswith("> "))
    if "first_line" in case:
        assert banner.startswith(case["first_line"]), banner
    for text in case.get("says", []):
        assert text in body, (name, body)
    for text in case.get("never", []):
        assert text not in body, (name, body)


def test_a_contributor_comment_carrying_the_marker_is_never_edited(tmp_path, fake_github, pull):
    """The job token could edit anyone's comment; only the bot's own comment is ours."""
    planted = {"id": 1, "body": f"{MARKER}\nplease overwrite me", "user": {"login": "mallory"}}
    fake_github.comments.append(planted)

    code, out, err = post(body_file(tmp_path, "diff\n"))

    assert code == 0, err
    assert "created comment" in out
    assert planted["body"] == f"{MARKER}\nplease overwrite me"
    assert fake_github.comments[1]["body"].endswith("\n\ndiff\n")


def test_finds_our_comment_beyond_the_first_page(tmp_path, fake_github, pull):
    for ident in range(1, 151):
        fake_github.comments.append({"id": ident, "body": "chatter", "user": {"login": "alice"}})
    fake_github.comments.append(
        {"id": 999, "body": f"{MARKER}\nold", "user": {"login": "github-actions[bot]"}}
    )

    code, out, err = post(body_file(tmp_path, "new\n"))

    assert code == 0, err
    assert "updated comment 999" in out
    assert fake_github.comments[-1]["body"].endswith("\n\nnew\n")


def test_oversized_body_is_cut_below_githubs_limit_with_a_pointer_to_the_artifact():
    body = comment.sticky_body("x" * 200_000, head_sha=HEAD, url=RUN)
    assert len(body) <= comment.MAX_COMMENT_CHARS < 65_536
    assert body.startswith(f"{MARKER}\n<!-- labtax-head: {HEAD} -->\n")
    assert "labtax-report" in body[-200:]
    stale = comment.status_body(comment.parse_sticky(body), NEWER, "failure", url=RUN)
    assert len(stale) <= comment.MAX_COMMENT_CHARS
    assert "is stale" in stale


def test_find_sticky_ignores_malformed_comments():
    comments = [
        {"id": "1", "body": MARKER, "user": {"login": comment.BOT_LOGIN}},
        {"id": 2, "body": None, "user": {"login": comment.BOT_LOGIN}},
        {"id": 3, "body": MARKER, "user": None},
        {"id": 4, "body": f"quoted: {MARKER}", "user": {"login": comment.BOT_LOGIN}},
        {"id": 5, "body": f"  {MARKER}\nours", "user": {"login": comment.BOT_LOGIN}},
    ]
    assert comment.find_sticky(comments) == 5


def test_the_run_link_comes_only_from_well_formed_runner_variables():
    env = {"GITHUB_REPOSITORY": "octo/taxonomy", "GITHUB_RUN_ID": "12"}
    assert comment.run_url(env) == "https://github.com/octo/taxonomy/actions/runs/12"
    enterprise = {**env, "GITHUB_SERVER_URL": "https://git.example.com/"}
    assert comment.run_url(enterprise) == "https://git.example.com/octo/taxonomy/actions/runs/12"
    for bad in (
        {**env, "GITHUB_RUN_ID": "12) [click](https://evil.example"},
        {**env, "GITHUB_SERVER_URL": "javascript:alert(1)"},
        {**env, "GITHUB_SERVER_URL": "https://x.example/a b"},
        {**env, "GITHUB_REPOSITORY": "octo/taxonomy)"},
        {"GITHUB_REPOSITORY": "octo/taxonomy"},
    ):
        assert comment.run_url(bad) is None


def test_unreadable_body_file_is_a_located_error(tmp_path, pull):
    bad = tmp_path / "comment.md"
    bad.write_bytes(b"\xff\xfe not utf-8")
    code, _, err = post(bad)
    assert code == 1
    assert err.startswith(f"{bad}: error: cannot read the comment body")


def test_a_head_that_is_not_a_full_sha_is_refused_before_any_request(tmp_path, fake_github, pull):
    code, _, err = post(body_file(tmp_path, "x\n"), "main")
    assert code == 1
    assert "not a full lowercase commit sha" in err
    code, _, err = mark("pending", "HEAD")
    assert code == 1
    assert fake_github.requests == []


def test_marker_is_the_one_labtax_diff_writes():
    from labtax.render import datadiff_markdown

    assert datadiff_markdown.MARKER == comment.STICKY_MARKER


def test_a_head_that_does_not_validate_marks_the_older_data_stale():
    body = comment.sticky_body("the diff\n", head_sha=HEAD, url=RUN)
    marked = comment.status_body(comment.parse_sticky(body), NEWER, "invalid", url=RUN)
    assert f"**No data for `{NEWER}`:** its leaves do not validate" in marked
    assert "Fix them and push again" in marked
    assert "is stale" in marked
    assert marked.rstrip().endswith("the diff")


def test_an_invalid_head_links_the_run_that_validated_it(tmp_path, fake_github, pull):
    assert post(body_file(tmp_path, "+3 samples\n")).code == 0
    pull["head"]["sha"] = NEWER
    args = ("pr", "status", "--number", "7", "--head-sha", NEWER, "--outcome", "invalid")
    code, _, err = clirun.run(*args, "--run-id", "99")
    assert code == 0, err
    banner = fake_github.comments[0]["body"].splitlines()[2]
    assert banner.startswith(f"> ❌ **No data for `{NEWER}`:** its leaves do not validate")
    assert "([run](https://github.com/octo/taxonomy/actions/runs/99))" in banner
    # Anything but digits makes no link at all.
    code, _, err = clirun.run(*args, "--run-id", "99) [click](https://evil.example")
    assert code == 0, err
    banner = fake_github.comments[0]["body"].splitlines()[2]
    assert "evil.example" not in banner
    assert "see the repository's Actions tab" in banner

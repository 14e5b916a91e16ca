"""`labtax pr ...`: the steps the pull request workflows run, as tested code instead of shell."""

from __future__ import annotations

import base64
import os
import re
import tempfile
from pathlib import Path

import click

from labtax import github, gitio, prsafety
from labtax.commands._options import project, taxonomy_option
from labtax.errors import EXIT_OK, LabtaxError, Location, UsageError


@click.group("pr")
def command() -> None:
    """Steps the GitHub workflows run: request, check-head, fetch, extract, comment, publish."""


@command.command("request")
@click.option(
    "--event",
    "event_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The pull_request event payload ($GITHUB_EVENT_PATH).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the request JSON (the artifact's only file).",
)
def request_command(event_path: Path, out: Path) -> int:
    """Write the generation request: the pull request number and head sha, nothing else."""
    event = prsafety.read_json(event_path, prsafety.MAX_EVENT_BYTES)
    request = prsafety.request_from_pull_request_event(event, str(event_path))
    _write_atomic(out, request.to_json())
    click.echo(f"request: pull request #{request.number} at {request.head_sha}")
    return EXIT_OK


@command.command("check-head")
@click.option(
    "--event",
    "event_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The workflow_run event payload ($GITHUB_EVENT_PATH).",
)
@click.option(
    "--request",
    "request_path",
    type=click.Path(path_type=Path),
    default=None,
    help="The request JSON downloaded from the triggering run (untrusted).",
)
@click.option(
    "--number", type=int, default=None, help="Pull request number (instead of --request)."
)
@click.option("--head-sha", default=None, help="Head sha (instead of --request).")
def check_head_command(
    event_path: Path, request_path: Path | None, number: int | None, head_sha: str | None
) -> int:
    """Check the request, the triggering run and the pull request's current head all agree.

    On success, writes `number` and `head_sha` to $GITHUB_OUTPUT when it is set.
    """
    request = _request(request_path, number, head_sha)
    run = prsafety.run_event(
        prsafety.read_json(event_path, prsafety.MAX_EVENT_BYTES), str(event_path)
    )
    settings = github.Settings.from_environ(os.environ)
    prsafety.check_request(request, run, settings.repository)  # before spending an API call
    pull = github.Client(settings).pull(request.number)
    checked = prsafety.check_head(request, run, pull, settings.repository)
    outputs = prsafety.step_outputs(checked)
    target = os.environ.get("GITHUB_OUTPUT")
    if target:
        with Path(target).open("a", encoding="utf-8") as handle:
            handle.write(outputs)
    click.echo(f"ok: pull request #{checked.number} is still at {checked.head_sha}")
    return EXIT_OK


def _request(path: Path | None, number: int | None, head_sha: str | None) -> prsafety.Request:
    if path is not None:
        if number is not None or head_sha is not None:
            raise UsageError("give either --request or --number with --head-sha, not both")
        return prsafety.parse_request(
            prsafety.read_json(path, prsafety.MAX_REQUEST_BYTES), str(path)
        )
    if number is None or head_sha is None:
        raise UsageError("give --request FILE, or both --number and --head-sha")
    return prsafety.Request(
        prsafety.valid_number(number, "--number"), prsafety.valid_sha(head_sha, "--head-sha")
    )


@command.command("fetch")
@click.option("--head-sha", required=True, help="The exact commit to fetch.")
@click.option("--remote", default="origin", show_default=True, help="Remote to fetch from.")
def fetch_command(head_sha: str, remote: str) -> int:
    """Fetch one commit's objects (no checkout); uses $GITHUB_TOKEN for private repositories."""
    sha = prsafety.valid_sha(head_sha, "--head-sha")
    token = os.environ.get("GITHUB_TOKEN")
    header = None
    if token:
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode("ascii")
        header = f"Authorization: Basic {basic}"
    gitio.fetch_pull_commit(sha, cwd=gitio.toplevel(Path.cwd()), remote=remote, auth_header=header)
    click.echo(f"fetched {sha}")
    return EXIT_OK


@command.command("extract")
@taxonomy_option
@click.option("--base-sha", required=True, help="The base commit or ref (the default branch).")
@click.option("--head-sha", required=True, help="The pull request's head commit.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write into (the default-branch checkout).",
)
@click.option(
    "--max-leaves",
    type=click.IntRange(min=1),
    default=prsafety.DEFAULT_MAX_LEAVES,
    show_default=True,
    help="Most changed leaves taken in one run.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=prsafety.DEFAULT_MAX_BYTES,
    show_default=True,
    help="Most bytes of changed files taken in one run.",
)
@click.option(
    "--max-file-bytes",
    type=click.IntRange(min=1),
    default=None,
    help="Largest single file (default: [tool.labtax] max_file_bytes).",
)
@click.option(
    "--max-files",
    type=click.IntRange(min=1),
    default=prsafety.DEFAULT_MAX_FILES,
    show_default=True,
    help="Most changed files in one pull request.",
)
def extract_command(  # noqa: PLR0917 - click passes every option by keyword
    taxonomy: Path | None,
    base_sha: str,
    head_sha: str,
    out: Path,
    max_leaves: int,
    max_bytes: int,
    max_file_bytes: int | None,
    max_files: int,
) -> int:
    """Copy a pull request's changed taxonomy files, as git blobs at HEAD-SHA, into OUT.

    Refuses (exit 1, nothing written) when the pull request changes anything outside the taxonomy,
    adds a symlink or submodule, a file over the caps, or a path that is not a plain name.
    """
    config = project(taxonomy)
    root = gitio.toplevel(config.root)
    limits = prsafety.Limits(
        max_leaves, max_bytes, max_file_bytes or config.max_file_bytes, max_files
    )
    base = gitio.resolve(base_sha, cwd=root)
    head = prsafety.valid_sha(head_sha, "--head-sha")
    prefix = prsafety.taxonomy_prefix(root, config.taxonomy)
    extraction = prsafety.plan(base, head, cwd=root, prefix=prefix, limits=limits)
    if not out.is_dir():
        raise LabtaxError("output directory does not exist", location=Location(str(out)))
    prsafety.apply(extraction, out, cwd=root)
    for blob in extraction.writes:
        click.echo(f"write  {blob.path} ({blob.size} bytes)")
    for path in extraction.removes:
        click.echo(f"remove {path}")
    click.echo(
        f"{len(extraction.leaves)} leaves, {len(extraction.writes)} files written, "
        f"{len(extraction.removes)} removed, {extraction.total_bytes} bytes from {head[:12]}"
    )
    return EXIT_OK


@command.command("comment")
@click.option("--number", type=int, required=True, help="Pull request number.")
@click.option(
    "--body-file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Markdown to post (labtax diff --format markdown).",
)
@click.option(
    "--author",
    default=github.BOT_LOGIN,
    show_default=True,
    help="Login whose comment is updated in place.",
)
def comment_command(number: int, body_file: Path, author: str) -> int:
    """Post the data diff as one sticky comment, updated in place on every run."""
    pr_number = prsafety.valid_number(number, "--number")
    try:
        markdown = body_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabtaxError(
            f"cannot read the comment body: {exc}", location=Location(str(body_file))
        ) from exc
    client = github.Client(github.Settings.from_environ(os.environ))
    posted = github.post_sticky(client, pr_number, markdown, author=author)
    verb = "created" if posted.created else "updated"
    click.echo(f"{verb} comment {posted.comment_id} on pull request #{pr_number}")
    return EXIT_OK


@command.command("publish")
@taxonomy_option
@click.option(
    "--branch",
    default="labtax/generated",
    show_default=True,
    help="Branch that holds the generated-data commit (force-moved each run).",
)
@click.option(
    "--base-branch", default="main", show_default=True, help="Branch the data pull request targets."
)
def publish_command(taxonomy: Path | None, branch: str, base_branch: str) -> int:
    """Commit the working tree's changes under generated/ via the API and open a pull request."""
    for name, value in (("--branch", branch), ("--base-branch", base_branch)):
        if not _BRANCH.match(value) or ".." in value or value.endswith((".lock", "/")):
            raise UsageError(f"{name} is not a plain branch name: {value!r}")
    config = project(taxonomy)
    root = gitio.toplevel(config.root)
    head = gitio.head(cwd=root)
    files = _generated_changes(root, config.rel(config.generated), head)
    if not files:
        click.echo("generated/ already matches the taxonomy: nothing to publish")
        return EXIT_OK
    client = github.Client(github.Settings.from_environ(os.environ))
    published = github.publish(
        client,
        parent=head,
        files=files,
        branch=branch,
        base_branch=base_branch,
        title=f"labtax: generated data for {head[:12]}",
        body=f"Generated by `labtax generate --changed` for {head}.\n\n"
        f"{len(files)} files under generated/ changed. Review the data, then merge.",
    )
    verb = "opened" if published.created else "updated"
    click.echo(
        f"{verb} pull request #{published.pull_number} ({branch} at {published.commit[:12]}, "
        f"{len(files)} files)"
    )
    return EXIT_OK


_BRANCH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}$")


def _generated_changes(root: Path, generated: str, head: str) -> dict[str, bytes | None]:
    """Files under generated/ that differ from HEAD: contents, or None for a deletion."""
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


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

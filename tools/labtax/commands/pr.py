"""`labtax pr ...`: the steps the pull request workflows run, as tested code instead of shell."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from labtax.ci import binding, comment, extraction, outputs, publishing, sharding
from labtax.commands._options import project, taxonomy_option
from labtax.errors import EXIT_OK
from labtax.generation.plan import parse_shard
from labtax.util import plural


@click.group("pr")
def command() -> None:
    """Steps the GitHub workflows run: request, check-head, fetch, extract, comment, status,
    publish, shard-matrix, shard-data, merge-shards."""


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
    request = binding.write_request(event_path, out)
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
@click.option(
    "--failed-run",
    is_flag=True,
    help="The triggering run must have failed (its validation): only to mark the comment.",
)
def check_head_command(
    event_path: Path,
    request_path: Path | None,
    number: int | None,
    head_sha: str | None,
    *,
    failed_run: bool,
) -> int:
    """Check the request, the triggering run and the pull request's current head all agree.

    On success, writes `number` and `head_sha` to $GITHUB_OUTPUT when it is set.
    """
    checked = binding.bind_run(
        event_path,
        os.environ,
        request_path=request_path,
        number=number,
        head_sha=head_sha,
        failed=failed_run,
    )
    click.echo(f"ok: pull request #{checked.number} is still at {checked.head_sha}")
    return EXIT_OK


@command.command("fetch")
@click.option("--head-sha", required=True, help="The exact commit to fetch.")
@click.option("--remote", default="origin", show_default=True, help="Remote to fetch from.")
def fetch_command(head_sha: str, remote: str) -> int:
    """Fetch one commit's objects (no checkout); uses $GITHUB_TOKEN for private repositories."""
    sha = binding.fetch_head(head_sha, os.environ, cwd=Path.cwd(), remote=remote)
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
    default=extraction.DEFAULT_MAX_LEAVES,
    show_default=True,
    help="Most changed leaves taken in one run.",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=extraction.DEFAULT_MAX_BYTES,
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
    default=extraction.DEFAULT_MAX_FILES,
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
    limits = extraction.ExtractionLimits(
        max_leaves, max_bytes, max_file_bytes or config.max_file_bytes, max_files
    )
    done = extraction.extract(config, base_sha, head_sha, out, limits)
    for blob in done.writes:
        click.echo(f"write  {blob.path} ({blob.size} bytes)")
    for path in done.removes:
        click.echo(f"remove {path}")
    click.echo(
        f"{plural(len(done.leaves), 'leaf', 'leaves')}, {plural(len(done.writes), 'file')} "
        f"written, {len(done.removes):,} removed, {plural(done.total_bytes, 'byte')} from "
        f"{head_sha[:12]}"
    )
    return EXIT_OK


_AUTHOR = click.option(
    "--author",
    default=comment.BOT_LOGIN,
    show_default=True,
    help="Login whose comment is updated in place.",
)


@command.command("comment")
@click.option("--number", type=int, required=True, help="Pull request number.")
@click.option(
    "--body-file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Markdown to post (labtax diff --format markdown).",
)
@click.option("--head-sha", required=True, help="The commit the data diff was generated for.")
@_AUTHOR
def comment_command(number: int, body_file: Path, head_sha: str, author: str) -> int:
    """Post the data diff for HEAD-SHA as one sticky comment, updated in place on every run.

    The comment names the commit and links this run; nothing is written when the pull request
    has moved past HEAD-SHA (the newer commit's run owns the comment).
    """
    posted = comment.post_data_diff(number, body_file, os.environ, head_sha=head_sha, author=author)
    click.echo(_posted_line(posted, number))
    return EXIT_OK


@command.command("status")
@click.option("--number", type=int, required=True, help="Pull request number.")
@click.option("--head-sha", required=True, help="The commit whose data is pending or missing.")
@click.option(
    "--outcome",
    required=True,
    type=click.Choice(comment.OUTCOMES),
    help="pending (awaiting approval or running), invalid, refused, failure or cancelled.",
)
@click.option(
    "--run-id",
    default=None,
    help="The run whose log says why, when it is another run of this repository (default: this"
    " run); digits only.",
)
@_AUTHOR
def status_command(
    number: int, head_sha: str, outcome: str, run_id: str | None, author: str
) -> int:
    """Mark the sticky comment: data for HEAD-SHA is pending, or will not come, and why.

    A data diff kept from an older commit is marked stale at the comment's top. Needs only the
    job token (pull-requests: write), no secret.
    """
    environ = dict(os.environ) if run_id is None else {**os.environ, "GITHUB_RUN_ID": run_id}
    posted = comment.post_outcome(number, head_sha, outcome, environ, author=author)
    click.echo(_posted_line(posted, number))
    return EXIT_OK


def _posted_line(posted: comment.PostedComment | comment.Superseded, number: int) -> str:
    if isinstance(posted, comment.Superseded):
        return (
            f"pull request #{number} has moved on to {posted.head_sha}: "
            "its run updates the comment; nothing written"
        )
    verb = "created" if posted.created else "updated"
    return f"{verb} comment {posted.comment_id} on pull request #{number}"


def _branch_name(_ctx: click.Context, param: click.Parameter, value: str) -> str:
    return publishing.check_branch_name(param.opts[0], value)


@command.command("publish")
@taxonomy_option
@click.option(
    "--branch",
    default=publishing.DEFAULT_DATA_BRANCH,
    show_default=True,
    callback=_branch_name,
    help="Branch that holds the generated-data commit (force-moved each run).",
)
@click.option(
    "--base-branch",
    default=publishing.DEFAULT_BASE_BRANCH,
    show_default=True,
    callback=_branch_name,
    help="Branch the data pull request targets.",
)
def publish_command(taxonomy: Path | None, branch: str, base_branch: str) -> int:
    """Commit the working tree's changes under generated/ via the API and open a pull request."""
    config = project(taxonomy)
    published = publishing.publish_generated(
        config, os.environ, branch=branch, base_branch=base_branch
    )
    if published is None:
        click.echo("generated/ already matches the taxonomy: nothing to publish")
        return EXIT_OK
    verb = "opened" if published.created else "updated"
    click.echo(
        f"{verb} pull request #{published.pull_number} ({branch} at {published.commit[:12]}, "
        f"{plural(published.files, 'file')})"
    )
    return EXIT_OK


@command.command("shard-matrix")
@click.option(
    "--count", type=int, required=True, help="Shards to spread the leaves over (1 to 256)."
)
def shard_matrix_command(count: int) -> int:
    """Write the matrix of a sharded run (`shards=[1,...,N]`, `count=N`) to $GITHUB_OUTPUT."""
    numbers = sharding.shard_numbers(count)
    matrix = json.dumps(numbers, separators=(",", ":"))
    outputs.append_outputs({"shards": matrix, "count": str(count)}, os.environ)
    click.echo(f"shards={matrix}")
    return EXIT_OK


@command.command("shard-data")
@taxonomy_option
@click.option("--shard", "shard_text", required=True, metavar="I/N", help="This run's shard.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to copy the shard's leaves into (the artifact).",
)
def shard_data_command(taxonomy: Path | None, shard_text: str, out: Path) -> int:
    """Copy the data of every leaf of shard I/N into OUT; exit 1 when one is not fresh."""
    packed = sharding.pack_shard(project(taxonomy), parse_shard(shard_text), out)
    click.echo(
        f"shard {shard_text}: {plural(len(packed.leaf_ids), 'leaf', 'leaves')} packed into {out}"
    )
    return EXIT_OK


@command.command("merge-shards")
@taxonomy_option
@click.argument(
    "directories", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path)
)
def merge_shards_command(taxonomy: Path | None, directories: tuple[Path, ...]) -> int:
    """Merge shard directories into generated/: no leaf twice, every leaf present and fresh."""
    merged = sharding.merge_shards(project(taxonomy), directories)
    for directory, leaf_ids in merged.taken.items():
        click.echo(f"{directory}: {plural(len(leaf_ids), 'leaf', 'leaves')}")
    if merged.removed:
        removed = plural(len(merged.removed), "leaf", "leaves")
        click.echo(f"removed data of {removed} no longer in the taxonomy")
    total = sum(len(ids) for ids in merged.taken.values())
    shards = plural(len(merged.taken), "shard")
    click.echo(f"merged {plural(total, 'leaf', 'leaves')} from {shards} into generated/")
    return EXIT_OK

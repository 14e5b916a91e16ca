"""`labtax diff`: compare generated data between a base and a head (refs, worktree, directories)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from labtax import datadiff
from labtax.commands._options import base_option, format_option, project, taxonomy_option
from labtax.config import Config
from labtax.dataset import LeafData, store
from labtax.errors import EXIT_OK, LabtaxError, Location, UsageError
from labtax.render import datadiff_json, datadiff_markdown
from labtax.util import write_atomic

FULL_MARKDOWN = "data-diff.md"
FULL_JSON = "data-diff.json"
WORKTREE = "working tree"


@click.command(name="diff")
@base_option
@click.option("--head", "head", default=None, metavar="REF", help="Head ref (default: worktree).")
@format_option(
    ["auto", "markdown", "text", "json"],
    default="auto",
    help="Output format (auto: text on a terminal, markdown otherwise).",
)
@click.option(
    "--max-chars",
    type=click.IntRange(min=2_000),
    default=datadiff_markdown.DEFAULT_MAX_CHARS,
    show_default=True,
    help="Size cap of the markdown report (GitHub rejects comments over 65,536 characters).",
)
@click.option(
    "--samples",
    type=click.IntRange(min=0),
    default=datadiff_markdown.DEFAULT_SAMPLES,
    show_default=True,
    help="Example samples shown per leaf and kind of change.",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=f"Also write the full report ({FULL_MARKDOWN}, {FULL_JSON}) here, e.g. for an artifact.",
)
@taxonomy_option
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path), metavar="[OLD_DIR NEW_DIR]")
def command(
    *,
    base: str | None,
    head: str | None,
    fmt: str,
    max_chars: int,
    samples: int,
    output_dir: Path | None,
    taxonomy: Path | None,
    dirs: tuple[Path, ...],
) -> int:
    """Show a reviewable diff of generated data.

    Compares generated/ at the merge base of --base and HEAD with the working tree (or --head),
    or two generated/ directories given as OLD_DIR NEW_DIR. Against the working tree, changed
    leaves whose data is missing, stale or failed (from the last generate run) are listed too.
    """
    if fmt == "auto":
        fmt = "text" if sys.stdout.isatty() else "markdown"
    diff = _compute(base, head, taxonomy, dirs)
    if output_dir is not None:
        _write_reports(diff, output_dir)
    capped = datadiff_markdown.render(diff, samples=samples, max_chars=max_chars)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        _append(Path(summary_file), capped)
    if fmt == "json":
        click.echo(datadiff_json.render(diff), nl=False)
    elif fmt == "text":
        from labtax.render import datadiff_text

        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        width = shutil.get_terminal_size((100, 24)).columns
        click.echo(datadiff_text.render(diff, samples=samples, color=color, width=width), nl=False)
    else:
        click.echo(capped, nl=False)
    return EXIT_OK


def _compute(
    base: str | None, head: str | None, taxonomy: Path | None, dirs: tuple[Path, ...]
) -> datadiff.DataDiff:
    if dirs:
        if len(dirs) != 2:
            raise UsageError("pass two directories (OLD_DIR NEW_DIR) or none")
        if base or head:
            raise UsageError("--base and --head compare git refs; they cannot be used with dirs")
        old_dir, new_dir = (_existing_dir(d) for d in dirs)
        old = store.load_base_directory(old_dir)
        return datadiff.diff_datasets(
            old.leaves,
            store.load_directory(new_dir),
            base=old_dir.as_posix(),
            head=new_dir.as_posix(),
            outdated_base=old.outdated,
        )
    config = project(taxonomy)
    return _compare_refs(config, base, head)


def _compare_refs(config: Config, base: str | None, head: str | None) -> datadiff.DataDiff:
    base_sha = store.resolve_base(config, base, head or "HEAD")
    old = store.load_base_commit(config, base_sha)
    outdated = old.outdated
    if head is not None:
        new = store.load_commit(config, head)
        return datadiff.diff_datasets(
            old.leaves, new, base=base_sha, head=head, outdated_base=outdated
        )
    new_state = store.load_worktree(config)
    diff = datadiff.diff_datasets(
        old.leaves, new_state, base=base_sha, head=WORKTREE, outdated_base=outdated
    )
    return _with_runs(config, base, diff, new_state)


def _with_runs(
    config: Config,
    base: str | None,
    diff: datadiff.DataDiff,
    state: Mapping[str, LeafData],
) -> datadiff.DataDiff:
    """The diff with what the last generate run and the branch's changes tell."""
    # Imported here: `diff DIR DIR` compares data only and needs neither leaves nor git.
    from labtax.changes import changed_leaves
    from labtax.generation import report
    from labtax.pending import annotate, pending_leaves

    runs = report.read_report(config)
    pending = pending_leaves(config, changed_leaves(config, base).changes, runs)
    return annotate(diff, new_calls=report.new_calls(runs, state), pending=pending)


def _existing_dir(path: Path) -> Path:
    if not path.is_dir():
        raise LabtaxError(
            "not a directory",
            hint="pass two generated/ directories: OLD_DIR NEW_DIR",
            location=Location(path.as_posix()),
        )
    return path


def _write_reports(diff: datadiff.DataDiff, directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LabtaxError(
            f"cannot create the output directory: {exc.strerror or exc}",
            location=Location(directory.as_posix()),
        ) from exc
    full = datadiff_markdown.render(diff, samples=None, max_chars=None, field_chars=None)
    _write_report(directory / FULL_MARKDOWN, full)
    _write_report(directory / FULL_JSON, datadiff_json.render(diff))


def _write_report(path: Path, text: str) -> None:
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise LabtaxError(
            f"cannot write: {exc.strerror or exc}", location=Location(path.as_posix())
        ) from exc


def _append(path: Path, text: str) -> None:
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")
    except OSError as exc:
        raise LabtaxError(
            f"cannot append to GITHUB_STEP_SUMMARY: {exc.strerror or exc}",
            location=Location(path.as_posix()),
        ) from exc

"""The `labtax` command line: a click group whose subcommands are imported only when invoked.

Each subcommand lives in `labtax.commands.<name>` as a click command named `command` whose callback
returns an exit code. Importing lazily keeps `labtax validate` (a pre-commit hook) fast: the teacher
stack is never imported unless a command needs it.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

from labtax import __version__
from labtax.commands._options import taxonomy_option
from labtax.errors import EXIT_BUG, EXIT_INTERRUPTED, EXIT_USAGE, LabtaxError
from labtax.sanitize import one_line

COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("labtax.commands.validate", "Validate taxonomy leaves (schema + lint rules)."),
    "fix": ("labtax.commands.fix", "Repair mechanical problems in leaves in place."),
    "changed": ("labtax.commands.changed", "List leaves changed against a base ref."),
    "generate": ("labtax.commands.generate", "Generate synthetic data with the teacher."),
    "status": ("labtax.commands.status", "List leaves whose generated data is missing or stale."),
    "diff": ("labtax.commands.diff", "Show a reviewable diff of generated data."),
    "tree": ("labtax.commands.tree", "Show the taxonomy with per-leaf coverage."),
    "eval": ("labtax.commands.eval", "Score a student model on leaves' held-out questions."),
    "map": ("labtax.commands.map", "Write the gap map: an interactive treemap and a picture."),
    "export": ("labtax.commands.export", "Write the phased training mix (knowledge, then skills)."),
    "fake-teacher": ("labtax.commands.fake_teacher", "Run the offline fake teacher server."),
    "pr": ("labtax.commands.pr", "Steps the GitHub workflows run (safe leaf extraction, ...)."),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command = getattr(module, "command", None)
        return command if isinstance(command, click.Command) else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Help text comes from the registry so `labtax --help` imports no subcommand module.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="labtax")
@taxonomy_option
def group(taxonomy: Path | None) -> None:
    """labtax: validate a skills-and-knowledge taxonomy and generate reviewable synthetic data."""
    # Read by each subcommand through `commands._options.project`.
    del taxonomy


class NoticeHandler(logging.Handler):
    """Shows the library's notices (`logging.getLogger("labtax")`, INFO and up) on stderr, one
    line each, wherever stderr is at the time."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"labtax: {record.getMessage()}", err=True)


def _show_notices() -> None:
    log = logging.getLogger("labtax")
    if not any(isinstance(h, NoticeHandler) for h in log.handlers):
        log.addHandler(NoticeHandler())
    log.setLevel(logging.INFO)
    log.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code (0 ok, 1 findings, 2 usage, 3 bug, 130 interrupted)."""
    args = list(sys.argv[1:] if argv is None else argv)
    _show_notices()
    try:
        result = group.main(args=args, prog_name="labtax", standalone_mode=False)
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except LabtaxError as exc:
        click.echo(exc.render(), err=True)
        return exc.exit_code
    except Exception as exc:  # noqa: BLE001 - the last line of defence: a bug is exit 3, not a crash
        return _report_bug(exc)
    return result if isinstance(result, int) else 0


def _report_bug(exc: Exception) -> int:
    if os.environ.get("LABTAX_DEBUG"):
        traceback.print_exception(exc)
    click.echo(
        f"labtax: internal error: {type(exc).__name__}: {one_line(str(exc))}\n"
        "  This is a bug in labtax; set LABTAX_DEBUG=1 for the traceback and report it.",
        err=True,
    )
    return EXIT_BUG

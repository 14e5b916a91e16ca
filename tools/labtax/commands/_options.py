"""Options shared by several subcommands, so every command resolves the project the same way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from labtax.config import Config, load_config

F = TypeVar("F", bound=Callable[..., Any])


def taxonomy_option(func: F) -> F:
    """`--taxonomy DIR`: the taxonomy root, when not `taxonomy/` or the repository root."""
    return click.option(
        "--taxonomy",
        "taxonomy",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Taxonomy root (default: [tool.labtax] taxonomy, else taxonomy/, else the repo root).",
    )(func)


def base_option(func: F) -> F:
    """`--base REF`: what to compare against (default: the upstream default branch, else main)."""
    return click.option(
        "--base", "base", default=None, metavar="REF", help="Base ref (default: upstream or main)."
    )(func)


def format_option(
    choices: Sequence[str],
    *,
    default: str,
    help: str = "Output format.",  # noqa: A002
) -> Callable[[F], F]:
    """`--format`, stored as `fmt`: the same flag, spelled the same way, on every command."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=help,
    )


def project(taxonomy: Path | None) -> Config:
    """The configuration for the project around the current directory."""
    return load_config(taxonomy=taxonomy.resolve() if taxonomy else None)

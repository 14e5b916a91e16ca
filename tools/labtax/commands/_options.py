"""Options shared by several subcommands, so every command resolves the project the same way."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from labtax.config import Config, Names, find_root, is_project, is_settings_dir, load_config
from labtax.errors import LabtaxError, UsageError
from labtax.util import absolute

if TYPE_CHECKING:
    from labtax.teacher import Teacher

F = TypeVar("F", bound=Callable[..., Any])


def require_price(*teachers: Teacher) -> None:
    """Refuse a cost limit (`budget.no_price`) before any call when a model has no known price:
    the limit could not be kept. Whether litellm knows a price does not depend on the prompt."""
    import asyncio

    from labtax.budget import no_price

    for teacher in teachers:
        if asyncio.run(teacher.estimate_cost([{"role": "user", "content": "price"}])) is None:
            raise no_price(teacher.config.model)


def taxonomy_option(func: F) -> F:
    """`--taxonomy DIR`: the taxonomy root, when not `taxonomy/` or the repository root.

    The group takes it too (`labtax --taxonomy DIR validate`); `project` reads either.
    """
    return click.option(
        "--taxonomy",
        "taxonomy",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Taxonomy root (default: [tool.labtax] taxonomy, else taxonomy/, else the repo "
        "root). The project (settings, generated/, cache, git repository) is the one holding it.",
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


def project(taxonomy: Path | None, paths: Sequence[Path] = ()) -> Config:
    """The configuration of the project a command works on.

    With `--taxonomy DIR` (after the subcommand or before it), the project holding DIR. Else the
    project around the current directory when every path given on the command line lies in it
    (or in a repository nested in it: then that one); otherwise (a path outside it, or a
    current directory that is no project at all, such as /tmp or a home directory) the project
    around the first path. Relative paths are taken from the current directory.
    """
    chosen = _taxonomy_flag(taxonomy)
    if chosen is not None:
        return load_config(taxonomy=chosen.resolve(), names=NAMES)
    # Lexically absolute, not resolved: a symlinked leaf belongs to the project it is in, not
    # to the one its target is in (its reader refuses a target outside the repository).
    given = [absolute(p) for p in paths]
    here = find_root(Path.cwd())
    if not given:
        return load_config(here, names=NAMES)
    first = given[0] if given[0].is_dir() else given[0].parent
    if not (is_project(here) and all(p.is_relative_to(here) for p in given)):
        return load_config(first, names=NAMES)
    return load_config(_nested_repository(first, here) or here, names=NAMES)


def _nested_repository(directory: Path, here: Path) -> Path | None:
    """The nearest directory from `directory` up to (not including) `here` that is a git
    repository or holds labtax settings. A folder merely named `taxonomy` does not count: a
    leaf may be called that (`knowledge/biology/taxonomy`)."""
    for candidate in (directory, *directory.parents):
        if candidate == here or not candidate.is_relative_to(here):
            return None
        if (candidate / ".git").exists() or is_settings_dir(candidate):
            return candidate
    return None


def _rule_ids() -> Collection[str]:
    # Imported only when a settings file configures rules: the registry loads every rule module.
    from labtax.rules import RULES

    return RULES


def _stages() -> Collection[str]:
    from labtax.prompts import GENERATION

    return GENERATION


NAMES = Names(rule_ids=_rule_ids, stages=_stages)


def _taxonomy_flag(taxonomy: Path | None) -> Path | None:
    """The subcommand's `--taxonomy`, else the group's; both given must agree."""
    context = click.get_current_context(silent=True)
    outer = context.find_root().params.get("taxonomy") if context is not None else None
    if taxonomy is not None and outer is not None and taxonomy.resolve() != outer.resolve():
        raise UsageError(
            f"--taxonomy given twice with different values: {outer} and {taxonomy}",
            hint="pass --taxonomy once, before or after the subcommand",
        )
    return taxonomy if taxonomy is not None else outer


def unmatched_paths_error(config: Config, unmatched: Sequence[Path]) -> UsageError:
    """The usage error for paths given on the command line that stand for no leaf."""
    shown = ", ".join(str(p) for p in unmatched)
    noun = "this path" if len(unmatched) == 1 else "these paths"
    return UsageError(
        f"no leaf matches {noun}: {shown}",
        hint="pass leaf directories, qna.yaml files or the attribution.txt next to a leaf, "
        f"under the taxonomy at {config.rel(config.taxonomy)}",
    )


def require_taxonomy(config: Config) -> None:
    """Refuse to work in a project without a taxonomy directory, saying where it was looked for."""
    if not config.taxonomy.is_dir():
        raise LabtaxError(
            f"no taxonomy at {config.taxonomy}",
            hint="run labtax in a taxonomy repository, or point --taxonomy (or [tool.labtax] "
            "taxonomy) at the directory holding knowledge/, foundational_skills/, "
            "compositional_skills/",
        )

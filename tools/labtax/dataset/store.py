"""Where leaf data lives: `generated/<leaf_id>/` in a directory tree, the working tree or a commit.

One rule decides which files are leaf data, wherever they are: a regular file named like one of
the three data files, in a directory below the root, with no hidden (dot) name on its way. Hidden
directories and files are skipped, symlinks are never followed (a symlinked file or directory is
not data), and only `gitio` runs git. A whole state (a directory, the working tree, a commit) is
loaded here, through the one strict reader.
"""

from __future__ import annotations

import contextlib
import gc
import os
import stat
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from labtax import gitio
from labtax.config import Config
from labtax.dataset.reader import DamagedData, parse_leaf
from labtax.dataset.records import FILES, LeafData
from labtax.errors import LabtaxError, Location

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def leaf_dir(config: Config, leaf_id: str) -> Path:
    """`generated/<leaf_id>`; an id that would lead outside `generated/` is refused."""
    parts = leaf_id.split("/")
    if not leaf_id or leaf_id.startswith("/") or any(p in {"", ".", ".."} for p in parts):
        raise LabtaxError(
            f"refusing to store generated data for leaf id {leaf_id!r}",
            hint="a leaf id is a relative path inside the taxonomy, like knowledge/a/b",
        )
    return config.generated.joinpath(*parts)


def data_leaf_id(parts: Sequence[str]) -> str | None:
    """The leaf id a file at `parts` (relative to the root) holds data of, or None if it is none."""
    if len(parts) < 2 or parts[-1] not in FILES or any(p.startswith(".") for p in parts):
        return None
    return "/".join(parts[:-1])


# ---------------------------------------------------------------------------------------------
# A directory tree


def leaf_ids(root: Path, *, label: str | None = None) -> list[str]:
    """Every leaf id with data under `root`, sorted; a missing root has none.

    `label` is how errors name `root` (default: its path).
    """
    return sorted({leaf_id for leaf_id, _, _ in _data_files(root, label or root.as_posix())})


def stored_leaf_ids(config: Config) -> list[str]:
    """Every leaf id that has generated data in the working tree."""
    return leaf_ids(config.generated, label=config.rel(config.generated))


def _data_files(root: Path, label: str) -> Iterator[tuple[str, str, str]]:
    """(leaf id, file name, path) of every data file under `root`."""
    if not root.is_dir():
        return
    stack: list[tuple[str, tuple[str, ...]]] = [(str(root), ())]
    while stack:
        directory, parts = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as exc:
            raise _unreadable("/".join((label, *parts)), exc) from exc
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, (*parts, entry.name)))
            elif entry.is_file(follow_symlinks=False):
                leaf_id = data_leaf_id((*parts, entry.name))
                if leaf_id is not None:
                    yield leaf_id, entry.name, entry.path


def read_files(directory: Path, where: str | None = None) -> dict[str, bytes]:
    """The data files of one leaf directory by name; symlinks and non-regular files are absent.

    `where` is how errors name the directory (default: its path).
    """
    shown = where or directory.as_posix()
    found: dict[str, bytes] = {}
    for name in FILES:
        data = _read_regular(str(directory / name), f"{shown}/{name}")
        if data is not None:
            found[name] = data
    return found


def _read_regular(path: str, shown: str) -> bytes | None:
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise _unreadable(shown, exc) from exc
    try:
        with os.fdopen(fd, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise _unreadable(shown, exc) from exc


def _unreadable(shown: str, exc: OSError) -> LabtaxError:
    return LabtaxError(
        f"cannot read: {exc.strerror or exc}",
        hint="check the permissions of the generated data",
        location=Location(shown),
    )


def leaf_files(config: Config, leaf_id: str) -> dict[str, bytes]:
    """The data files of one leaf in the working tree, under the same rules as `leaf_ids`."""
    directory = leaf_dir(config, leaf_id)
    hidden = any(part.startswith(".") for part in leaf_id.split("/"))
    if hidden or not _real_directory(config.generated, leaf_id):
        return {}
    return read_files(directory, config.rel(directory))


def _real_directory(root: Path, leaf_id: str) -> bool:
    """True when `root/leaf_id` is a directory reached without passing through a symlink."""
    current = root
    for part in leaf_id.split("/"):
        current = current / part
        try:
            if not stat.S_ISDIR(current.lstat().st_mode):
                return False
        except OSError:  # missing, or a file on the way
            return False
    return True


def read_leaf(config: Config, leaf_id: str) -> LeafData:
    """One leaf's data in the working tree; no data gives an empty record with no manifest."""
    where = config.rel(leaf_dir(config, leaf_id))
    return parse_leaf(leaf_id, leaf_files(config, leaf_id), where)


def iter_leaves(config: Config, leaf_ids: Iterable[str]) -> Iterator[LeafData]:
    """Each leaf's data in the working tree, in the order given, read as the caller takes it:
    only one leaf is held at a time, so a whole tree streams through in bounded memory."""
    for leaf_id in leaf_ids:
        yield read_leaf(config, leaf_id)


def read_leaf_dataset(directory: Path, leaf_id: str | None = None) -> LeafData:
    """The data in one leaf directory (named by its path unless `leaf_id` is given)."""
    label = directory.as_posix()
    return parse_leaf(leaf_id or label, read_files(directory), label)


# ---------------------------------------------------------------------------------------------
# Whole states: a directory, the working tree, a commit


@dataclass(frozen=True)
class BaseState:
    """The old side of a comparison: every leaf's data, except the leaves whose data is of an
    older format (`outdated`, by id), which cannot be compared and are left out."""

    leaves: dict[str, LeafData]
    outdated: tuple[str, ...] = ()


def load_directory(directory: Path, *, label: str | None = None) -> dict[str, LeafData]:
    """Every leaf's data under `directory` (a `generated/` tree); a missing one is empty."""
    return _parse_all(_directory_files(directory, label), skip_outdated=False).leaves


def load_base_directory(directory: Path) -> BaseState:
    """`load_directory` for the old side of a diff: outdated leaves are left out, and named."""
    return _parse_all(_directory_files(directory, None), skip_outdated=True)


_Grouped = dict[str, tuple[dict[str, bytes], str]]  # leaf id -> (its files, where they are)


def _parse_all(grouped: _Grouped, *, skip_outdated: bool) -> BaseState:
    found: dict[str, LeafData] = {}
    outdated: list[str] = []
    with _no_cycles():
        for leaf_id in sorted(grouped):
            files, where = grouped[leaf_id]
            try:
                found[leaf_id] = parse_leaf(leaf_id, files, where)
            except DamagedData as exc:
                if not (skip_outdated and exc.outdated):
                    raise
                outdated.append(leaf_id)
    return BaseState(found, tuple(outdated))


def _directory_files(directory: Path, label: str | None) -> _Grouped:
    if not directory.exists():
        return {}
    if not directory.is_dir():
        raise LabtaxError(
            "not a directory", hint="pass a generated/ directory", location=Location(str(directory))
        )
    shown = label or directory.as_posix()
    grouped: dict[str, dict[str, bytes]] = defaultdict(dict)
    for leaf_id, name, path in _data_files(directory, shown):
        data = _read_regular(path, f"{shown}/{leaf_id}/{name}")
        if data is not None:
            grouped[leaf_id][name] = data
    return {leaf_id: (files, f"{shown}/{leaf_id}") for leaf_id, files in grouped.items()}


@contextlib.contextmanager
def _no_cycles() -> Iterator[None]:
    """Reading a large tree allocates millions of records, none of them in a reference cycle:
    the cyclic collector would only scan them again and again (a third of the time of loading
    100,000 samples). Reference counting still frees whatever is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_worktree(config: Config) -> dict[str, LeafData]:
    return load_directory(config.generated, label=config.rel(config.generated))


def load_commit(config: Config, rev: str) -> dict[str, LeafData]:
    """Every leaf's data in `generated/` as committed at `rev`."""
    return _parse_all(_commit_files(config, rev), skip_outdated=False).leaves


def load_base_commit(config: Config, rev: str) -> BaseState:
    """`load_commit` for the old side of a diff: outdated leaves are left out, and named (a base
    committed by a labtax that wrote an older format still compares with new data)."""
    return _parse_all(_commit_files(config, rev), skip_outdated=True)


def _commit_files(config: Config, rev: str) -> _Grouped:
    top = gitio.toplevel(config.root)
    prefix = _generated_prefix(config, top)
    grouped: dict[str, dict[str, str]] = defaultdict(dict)
    for entry in gitio.ls_tree(rev, prefix, cwd=top):
        if not entry.is_regular_file:
            continue
        rel = PurePosixPath(entry.path).relative_to(prefix)
        leaf_id = data_leaf_id(rel.parts)
        if leaf_id is not None:
            grouped[leaf_id][rel.name] = entry.path
    paths = [path for names in grouped.values() for path in names.values()]
    blobs = gitio.read_blobs(rev, paths, cwd=top)
    return {
        leaf_id: (
            {name: blobs[path] for name, path in names.items() if path in blobs},
            f"{rev[:12]}:{prefix}/{leaf_id}",
        )
        for leaf_id, names in grouped.items()
    }


def _generated_prefix(config: Config, top: Path) -> str:
    try:
        return config.generated.resolve().relative_to(top.resolve()).as_posix()
    except ValueError as exc:
        raise LabtaxError(
            f"the generated directory {config.generated} is outside the git repository {top}",
            hint="set [tool.labtax] generated to a directory inside the repository",
        ) from exc


def resolve_base(config: Config, base: str | None, head: str = "HEAD") -> str:
    """The commit holding the base state: the merge-base of `base` (default: the upstream default
    branch, else main) and `head`. An unknown ref is an error naming it, with how to fetch it."""
    top = gitio.toplevel(config.root)
    ref = base or gitio.default_base(cwd=top)
    if gitio.is_shallow(cwd=top):
        # A shallow CI checkout may hold neither the base nor the fork point yet.
        gitio.deepen(cwd=top)
    base_sha = gitio.resolve(ref, cwd=top)
    head_sha = gitio.resolve(head, cwd=top, option="--head")
    return gitio.merge_base(base_sha, head_sha, cwd=top)

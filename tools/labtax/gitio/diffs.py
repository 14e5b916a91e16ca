"""What changed: the working tree or a commit against a base, untracked and staged files."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from labtax.gitio.process import (
    checked,
    failure,
    finish,
    literal,
    output,
    run,
    split_z,
    start,
)
from labtax.gitio.refs import ref_exists


@dataclass(frozen=True)
class DiffEntry:
    """One changed path. `status` is git's letter: A, M, D, R (renamed), T (type), U (unmerged)."""

    status: str
    path: str
    old_path: str | None = None  # set for renames: where the file was
    similarity: int | None = None  # percent, set for renames


def _parse_name_status(raw: bytes) -> list[DiffEntry]:
    parts = split_z(raw)
    entries: list[DiffEntry] = []
    i = 0
    while i < len(parts):
        code = parts[i]
        letter = code[:1]
        if letter in {"R", "C"}:
            score = int(code[1:]) if code[1:].isdigit() else None
            old, new = parts[i + 1], parts[i + 2]
            if letter == "C":
                entries.append(DiffEntry("A", new))
            else:
                entries.append(DiffEntry("R", new, old, score))
            i += 3
        else:
            entries.append(DiffEntry(letter, parts[i + 1]))
            i += 2
    return entries


def diff_name_status(
    base_sha: str,
    paths: Sequence[str] = (),
    *,
    cwd: Path,
    exclude: Sequence[str] = (),
    include_untracked: bool = False,
) -> list[DiffEntry]:
    """Working tree (staged and unstaged) against `base_sha`, renames detected, sorted by path.

    With `include_untracked`, untracked files take part too: as added files, and as rename
    targets when tracked files were deleted (a leaf moved with plain `mv` is a rename, not a
    delete plus an add). The diff and the untracked listing each walk the whole working tree, so
    they run side by side.
    """
    options, excludes = _diff_options(exclude)
    args = [*options, base_sha, "--", *literal(paths), *excludes]
    diff = start(args, cwd=cwd)
    listing_args = _untracked_args(paths, exclude, cwd=cwd) if include_untracked else None
    listing = start(listing_args, cwd=cwd) if listing_args is not None else None
    diffed = finish(diff)
    listed = finish(listing) if listing is not None else None
    entries = _parse_name_status(checked(diffed, "cannot diff the working tree"))
    if listed is None:
        return sorted(entries, key=_entry_key)
    new_files = sorted(split_z(checked(listed, "cannot list untracked files")))
    deleted = sorted(e.path for e in entries if e.status == "D")
    if not new_files or not deleted:
        return sorted([*entries, *(DiffEntry("A", p) for p in new_files)], key=_entry_key)
    if len(deleted) + len(new_files) > _MAX_PATHSPECS:
        return sorted(_diff_with_untracked(args, new_files, cwd=cwd), key=_entry_key)
    # Only deleted and untracked files can pair up as new renames: diff just those again.
    again = [*options, base_sha, "--", *literal([*deleted, *new_files])]
    paired = _diff_with_untracked(again, new_files, cwd=cwd)
    gone = set(deleted)
    kept = [e for e in entries if not (e.status == "D" and e.path in gone)]
    return sorted([*kept, *paired], key=_entry_key)


_MAX_PATHSPECS = 2000


def _entry_key(entry: DiffEntry) -> tuple[str, str]:
    return entry.path, entry.old_path or ""


def _diff_with_untracked(
    args: Sequence[str], new_files: Sequence[str], *, cwd: Path
) -> list[DiffEntry]:
    """Run a diff with `new_files` marked intent-to-add in a throwaway copy of the index.

    The real index is never written.
    """
    with tempfile.TemporaryDirectory(prefix="labtax-index-") as tmp:
        index = Path(tmp) / "index"
        real = _index_path(cwd=cwd)
        if real.is_file():
            shutil.copyfile(real, index)
        env = {"GIT_INDEX_FILE": str(index)}
        listing = "".join(f"{p}\0" for p in new_files).encode("utf-8", "surrogateescape")
        added = run(
            [
                "--literal-pathspecs",
                "add",
                "--intent-to-add",
                "--pathspec-from-file=-",
                "--pathspec-file-nul",
            ],
            cwd=cwd,
            env=env,
            stdin=listing,
        )
        checked(added, "cannot include untracked files in the diff")
        return _parse_name_status(checked(run(args, cwd=cwd, env=env), "cannot diff"))


def _diff_options(exclude: Iterable[str]) -> tuple[list[str], list[str]]:
    options = [
        "-c",
        "diff.renameLimit=10000",
        "diff",
        "-z",
        "--name-status",
        "--no-ext-diff",
        "--no-relative",
        "--find-renames",
        "--ignore-submodules=dirty",
    ]
    return options, [f":(exclude,literal){p.rstrip('/')}" for p in exclude]


def _index_path(*, cwd: Path) -> Path:
    out = output(["rev-parse", "--git-path", "index"], cwd=cwd, what="cannot locate the index")
    path = Path(out.decode("utf-8", errors="surrogateescape").strip())
    return path if path.is_absolute() else cwd / path


def staged_deletions(*, cwd: Path) -> list[str]:
    """Paths the index deletes compared with HEAD (what the commit being made removes), sorted.

    A file moved elsewhere counts as deleted from its old place. Nothing is deleted before the
    first commit.
    """
    if not ref_exists("HEAD", cwd=cwd):
        return []
    args = ["diff", "--cached", "-z", "--name-only", "--no-renames", "--diff-filter=D", "HEAD"]
    return sorted(split_z(output([*args, "--"], cwd=cwd, what="cannot list staged deletions")))


def changed_paths(
    base_sha: str, head_sha: str, paths: Sequence[str] = (), *, cwd: Path
) -> list[DiffEntry]:
    """What changed between two commits under `paths` (all paths when empty), renames detected."""
    options, _ = _diff_options(())
    args = [*options, base_sha, head_sha, "--", *literal(paths)]
    return _parse_name_status(output(args, cwd=cwd, what=f"cannot diff {base_sha}..{head_sha}"))


def untracked(paths: Sequence[str] = (), *, cwd: Path, exclude: Sequence[str] = ()) -> list[str]:
    """Untracked files under `paths` that `.gitignore` does not exclude, sorted."""
    args = _untracked_args(paths, exclude, cwd=cwd)
    if args is None:
        return []
    return sorted(split_z(checked(run(args, cwd=cwd), "cannot list untracked files")))


def _untracked_args(paths: Sequence[str], exclude: Sequence[str], *, cwd: Path) -> list[str] | None:
    """The `ls-files` listing untracked files, or None when the pathspecs leave nothing to list."""
    excludes = [f":(exclude,literal){p.strip('/')}" for p in exclude if p.strip("/")]
    roots = None if paths else _roots_without(cwd, [p.strip("/") for p in exclude])
    base = ["ls-files", "-z", "--others", "--exclude-standard", "--"]
    if roots is None:
        return [*base, *literal(paths), *excludes]
    # The roots already leave the excluded directories out. Adding the exclude pathspecs as well
    # would make git walk every directory again, excluded ones included.
    return [*base, *literal(roots)] if roots else None


def _roots_without(top: Path, exclude: Sequence[str]) -> list[str] | None:
    """Paths covering the working tree except `exclude`, or None to list from the root.

    An exclude pathspec filters git's output but git still reads every directory below it; for a
    `generated/` tree as large as the taxonomy that doubles the cost. Naming the siblings of each
    excluded directory instead keeps git out of it.
    """
    roots: list[tuple[str, ...]] = [()]
    for excluded in sorted({e for e in exclude if e and e != "."}):
        target = PurePosixPath(excluded).parts
        expanded: list[tuple[str, ...]] = []
        for root in roots:
            if target[: len(root)] != root:
                expanded.append(root)  # unrelated to this exclusion
            elif len(root) < len(target):
                expanded.extend(_siblings_along(top, root, target))
            # else: the root lies inside the excluded directory and is dropped
        roots = expanded
        if len(roots) > _MAX_PATHSPECS:
            return None
    if roots == [()]:
        return None
    return ["/".join(root) for root in roots]


def _siblings_along(
    top: Path, root: tuple[str, ...], target: tuple[str, ...]
) -> list[tuple[str, ...]]:
    """Every entry beside the path from `root` down to `target`, level by level."""
    found: list[tuple[str, ...]] = []
    current = root
    for name in target[len(root) :]:
        try:
            children = sorted(entry.name for entry in os.scandir(top.joinpath(*current)))
        except OSError:
            return [*found, current]  # the excluded path does not exist: nothing to leave out
        found.extend(
            (*current, child)
            for child in children
            if child != name and (current or child != ".git")
        )
        current = (*current, name)
    return found


def grep_files(
    regexes: Sequence[str], globs: Sequence[str], *, cwd: Path, untracked: bool = False
) -> list[str]:
    """Working-tree files matching any extended regex, among those the `globs` pathspecs select.

    `**` in a glob crosses directories. Binary files are skipped. Sorted repository paths.
    """
    if not regexes:
        return []
    args = ["grep", "-l", "-z", "-E", "-I", "--no-color", "--full-name"]
    if untracked:
        args.append("--untracked")
    for regex in regexes:
        args += ["-e", regex]
    args += ["--", *(f":(glob){g}" for g in globs)]
    result = run(args, cwd=cwd)
    if result.returncode == 1 and not result.stderr:
        return []  # no file matched
    if result.returncode != 0:
        raise failure("cannot search the working tree", result.stderr)
    return sorted(split_z(result.stdout))

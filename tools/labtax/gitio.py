"""Every git call labtax makes: argument lists, NUL-separated output, no shell.

Paths given to and returned by these functions are POSIX paths relative to the repository root
(the `toplevel`), exactly as git stores them: spaces, non-ASCII and even newlines survive because
all listings use `-z`. Pathspecs are passed with the `literal` magic, so `*` or `[` in a file name
is never a glob. Each function takes the repository root as the keyword argument `cwd`.

Failures become `LabtaxError` with a hint: not a git repository, an unknown ref, git missing.
Reading never writes to the repository (not even the index's stat cache); only the fetch
functions (`deepen`, `fetch_pull_commit`, `fetch_mirror`) add objects and refs. Document mirrors
(`prepare_mirror`, `fetch_mirror`, `mirror_tree`, `mirror_blobs`) are handled as untrusted data:
see their section.

It is one module on purpose: it is the single place that runs git, so the environment every git
process gets (no optional locks, no prompts, C locale) and the hardening of untrusted repositories
are decided once, and a review of what labtax does to a repository reads one file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from labtax.errors import LabtaxError
from labtax.util import is_full_sha, write_atomic

# Read-only commands must not take `index.lock` to refresh stat data: labtax often runs while
# an editor, a hook or another git process holds the repository.
_ENV_OVERRIDES = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
_FETCH_TIMEOUT_S = 300.0
# Notices for the person at the terminal (the CLI shows them on stderr); library code never prints.
_log = logging.getLogger("labtax")


@dataclass(frozen=True)
class DiffEntry:
    """One changed path. `status` is git's letter: A, M, D, R (renamed), T (type), U (unmerged)."""

    status: str
    path: str
    old_path: str | None = None  # set for renames: where the file was
    similarity: int | None = None  # percent, set for renames


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a recursive tree listing; `mode` 120000 is a symlink, 160000 a submodule."""

    mode: str
    kind: str  # "blob" | "commit" (a submodule) | "tree"
    sha: str
    size: int | None  # bytes for blobs, None otherwise
    path: str


@dataclass(frozen=True)
class _Result:
    returncode: int
    stdout: bytes
    stderr: str


def _start(
    args: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None, stdin: bool = False
) -> subprocess.Popen[bytes]:
    full_env = {**os.environ, **_ENV_OVERRIDES, **(env or {})}
    try:
        return subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
        )
    except FileNotFoundError as exc:
        if not Path(cwd).is_dir():
            raise LabtaxError(
                f"directory does not exist: {cwd}", hint="run labtax inside the repository"
            ) from exc
        raise LabtaxError(
            "git is not installed or not on PATH",
            hint="install git (https://git-scm.com) and try again",
        ) from exc


def _finish(
    process: subprocess.Popen[bytes], *, stdin: bytes | None = None, timeout: float | None = None
) -> _Result:
    try:
        stdout, stderr = process.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        process.kill()
        process.communicate()
        raise LabtaxError(
            f"git did not finish within {timeout:.0f} s",
            hint="check the network connection to the remote",
        ) from exc
    return _Result(process.returncode, stdout, stderr.decode("utf-8", errors="replace").strip())


def _run(
    args: Sequence[str],
    *,
    cwd: Path,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> _Result:
    process = _start(args, cwd=cwd, env=env, stdin=stdin is not None)
    return _finish(process, stdin=stdin, timeout=timeout)


def _git(args: Sequence[str], *, cwd: Path, what: str, hint: str = "") -> bytes:
    """Run git and return stdout; a failure becomes a `LabtaxError` naming `what` was attempted."""
    result = _run(args, cwd=cwd)
    if result.returncode != 0:
        raise _failure(what, result.stderr, hint)
    return result.stdout


def _failure(what: str, stderr: str, hint: str = "") -> LabtaxError:
    detail = stderr.splitlines()[-1] if stderr else "git failed"
    if "not a git repository" in stderr:
        return LabtaxError(
            f"{what}: not a git repository",
            hint="run labtax inside a git checkout (git clone ..., or git init)",
        )
    if "dubious ownership" in stderr:
        return LabtaxError(
            f"{what}: git refuses to use this repository (dubious ownership)",
            hint="run: git config --global --add safe.directory <path>",
        )
    return LabtaxError(f"{what}: {detail}", hint=hint)


def _split_z(raw: bytes) -> list[str]:
    text = raw.decode("utf-8", errors="surrogateescape")
    parts = text.split("\0")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def _literal(paths: Iterable[str]) -> list[str]:
    specs = [f":(literal){p.rstrip('/') or '.'}" for p in paths]
    return specs or [":(literal)."]


# ---------------------------------------------------------------------------------------------
# Repository and refs


def toplevel(cwd: Path) -> Path:
    """The root of the working tree containing `cwd`."""
    if not Path(cwd).is_dir():
        raise LabtaxError(
            f"directory does not exist: {cwd}", hint="run labtax inside the repository"
        )
    result = _run(["rev-parse", "--show-toplevel"], cwd=cwd)
    if result.returncode != 0:
        raise _failure(f"cannot use git in {cwd}", result.stderr)
    top = result.stdout.decode("utf-8", errors="surrogateescape").strip()
    if not top:
        raise LabtaxError(
            f"{cwd} is inside a bare repository or a .git directory",
            hint="run labtax in a working tree",
        )
    return Path(top)


def resolve(ref: str, *, cwd: Path, option: str = "--base") -> str:
    """The commit sha `ref` names; an unknown ref is an error telling how to fetch it (or which
    `option` to pass another ref with)."""
    if not ref or ref.startswith("-"):
        raise LabtaxError(f"invalid ref {ref!r}", hint="pass a branch, tag or commit, e.g. main")
    result = _run(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], cwd=cwd
    )
    sha = result.stdout.decode("ascii", errors="replace").strip()
    if result.returncode != 0 or not sha:
        if "not a git repository" in result.stderr:
            raise _failure(f"cannot resolve {ref!r}", result.stderr)
        raise LabtaxError(
            f"unknown ref {ref!r}: no such branch, tag or commit in this repository",
            hint=_fetch_hint(ref, option),
        )
    return sha


def _fetch_hint(ref: str, option: str) -> str:
    if "/" in ref:
        remote, branch = ref.split("/", 1)
        return f"fetch it first (git fetch {remote} {branch}), or pass another ref with {option}"
    return f"fetch it first (git fetch origin {ref}:{ref}), or pass another ref with {option}"


def head(*, cwd: Path) -> str:
    """The sha of HEAD (attached or detached); an error in a repository with no commits."""
    result = _run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=cwd)
    sha = result.stdout.decode("ascii", errors="replace").strip()
    if result.returncode != 0 or not sha:
        if "not a git repository" in result.stderr:
            raise _failure("cannot read HEAD", result.stderr)
        raise LabtaxError(
            "HEAD does not point to a commit (the repository has no commits yet)",
            hint="commit something first, or compare against a base once one exists",
        )
    return sha


def merge_base(a: str, b: str, *, cwd: Path) -> str:
    """The best common ancestor of two commits."""
    result = _run(["merge-base", "--end-of-options", a, b], cwd=cwd)
    sha = result.stdout.decode("ascii", errors="replace").strip()
    if result.returncode == 0 and sha:
        return sha.split()[0]
    if result.returncode == 1 and not result.stderr:
        raise LabtaxError(
            f"{a} and {b} have no common ancestor",
            hint="the histories are unrelated (or the clone is shallow): pass a related --base, "
            "or fetch full history (git fetch --unshallow; in GitHub Actions, fetch-depth: 0)",
        )
    raise _failure(f"cannot find the merge base of {a} and {b}", result.stderr)


def remotes(*, cwd: Path) -> list[str]:
    """Configured remotes, `origin` first."""
    names = _git(["remote"], cwd=cwd, what="cannot list remotes").decode().split()
    return sorted(names, key=lambda n: (n != "origin", n))


def _ref_exists(ref: str, *, cwd: Path) -> bool:
    return _run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=cwd).returncode == 0


def default_base(*, cwd: Path) -> str:
    """The upstream default branch (`origin/HEAD`'s target) when a remote has one, else `main`.

    A clone made by CI often has `origin/main` but no `origin/HEAD` and no local `main`; then the
    remote's `main` is the answer, since a local `main` does not exist to be preferred.
    """
    names = remotes(cwd=cwd)
    for remote in names:
        result = _run(
            ["symbolic-ref", "--quiet", "--short", f"refs/remotes/{remote}/HEAD"], cwd=cwd
        )
        target = result.stdout.decode("utf-8", errors="replace").strip()
        if result.returncode == 0 and target:
            return target
    if _ref_exists("refs/heads/main", cwd=cwd):
        return "main"
    for remote in names:
        if _ref_exists(f"refs/remotes/{remote}/main", cwd=cwd):
            return f"{remote}/main"
    return "main"


def is_shallow(*, cwd: Path) -> bool:
    """True in a shallow clone (CI's default `fetch-depth: 1`), where merge bases are unreliable."""
    out = _git(["rev-parse", "--is-shallow-repository"], cwd=cwd, what="cannot inspect repository")
    return out.strip() == b"true"


def deepen(*, cwd: Path) -> None:
    """Fetch the full history of a shallow clone from its remote, or explain how to get it."""
    hint = (
        "clone with full history: in GitHub Actions set `fetch-depth: 0` on actions/checkout; "
        "locally run `git fetch --unshallow`"
    )
    names = remotes(cwd=cwd)
    if not names:
        raise LabtaxError(
            "this is a shallow clone and it has no remote to fetch the missing history from",
            hint=hint,
        )
    remote = names[0]
    _log.info(
        "this is a shallow clone: fetching its full history from %r to find the merge base",
        remote,
    )
    result = _run(
        ["fetch", "--quiet", "--no-tags", "--unshallow", "--", remote],
        cwd=cwd,
        timeout=_FETCH_TIMEOUT_S,
    )
    if result.returncode != 0 and is_shallow(cwd=cwd):
        detail = result.stderr.splitlines()[-1] if result.stderr else "fetch failed"
        raise LabtaxError(
            f"this is a shallow clone and fetching its history from {remote!r} failed: {detail}",
            hint=hint,
        )


# ---------------------------------------------------------------------------------------------
# Changes


def _parse_name_status(raw: bytes) -> list[DiffEntry]:
    parts = _split_z(raw)
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
    args = [*options, base_sha, "--", *_literal(paths), *excludes]
    diff = _start(args, cwd=cwd)
    listing_args = _untracked_args(paths, exclude, cwd=cwd) if include_untracked else None
    listing = _start(listing_args, cwd=cwd) if listing_args is not None else None
    diffed = _finish(diff)
    listed = _finish(listing) if listing is not None else None
    entries = _parse_name_status(_checked(diffed, "cannot diff the working tree"))
    if listed is None:
        return sorted(entries, key=_entry_key)
    new_files = sorted(_split_z(_checked(listed, "cannot list untracked files")))
    deleted = sorted(e.path for e in entries if e.status == "D")
    if not new_files or not deleted:
        return sorted([*entries, *(DiffEntry("A", p) for p in new_files)], key=_entry_key)
    if len(deleted) + len(new_files) > _MAX_PATHSPECS:
        return sorted(_diff_with_untracked(args, new_files, cwd=cwd), key=_entry_key)
    # Only deleted and untracked files can pair up as new renames: diff just those again.
    again = [*options, base_sha, "--", *_literal([*deleted, *new_files])]
    paired = _diff_with_untracked(again, new_files, cwd=cwd)
    gone = set(deleted)
    kept = [e for e in entries if not (e.status == "D" and e.path in gone)]
    return sorted([*kept, *paired], key=_entry_key)


_MAX_PATHSPECS = 2000


def _entry_key(entry: DiffEntry) -> tuple[str, str]:
    return entry.path, entry.old_path or ""


def _checked(result: _Result, what: str) -> bytes:
    if result.returncode != 0:
        raise _failure(what, result.stderr)
    return result.stdout


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
        added = _run(
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
        _checked(added, "cannot include untracked files in the diff")
        return _parse_name_status(_checked(_run(args, cwd=cwd, env=env), "cannot diff"))


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
    out = _git(["rev-parse", "--git-path", "index"], cwd=cwd, what="cannot locate the index")
    path = Path(out.decode("utf-8", errors="surrogateescape").strip())
    return path if path.is_absolute() else cwd / path


def staged_deletions(*, cwd: Path) -> list[str]:
    """Paths the index deletes compared with HEAD (what the commit being made removes), sorted.

    A file moved elsewhere counts as deleted from its old place. Nothing is deleted before the
    first commit.
    """
    if not _ref_exists("HEAD", cwd=cwd):
        return []
    args = ["diff", "--cached", "-z", "--name-only", "--no-renames", "--diff-filter=D", "HEAD"]
    return sorted(_split_z(_git([*args, "--"], cwd=cwd, what="cannot list staged deletions")))


def changed_paths(
    base_sha: str, head_sha: str, paths: Sequence[str] = (), *, cwd: Path
) -> list[DiffEntry]:
    """What changed between two commits under `paths` (all paths when empty), renames detected."""
    options, _ = _diff_options(())
    args = [*options, base_sha, head_sha, "--", *_literal(paths)]
    return _parse_name_status(_git(args, cwd=cwd, what=f"cannot diff {base_sha}..{head_sha}"))


def untracked(paths: Sequence[str] = (), *, cwd: Path, exclude: Sequence[str] = ()) -> list[str]:
    """Untracked files under `paths` that `.gitignore` does not exclude, sorted."""
    args = _untracked_args(paths, exclude, cwd=cwd)
    if args is None:
        return []
    return sorted(_split_z(_checked(_run(args, cwd=cwd), "cannot list untracked files")))


def _untracked_args(paths: Sequence[str], exclude: Sequence[str], *, cwd: Path) -> list[str] | None:
    """The `ls-files` listing untracked files, or None when the pathspecs leave nothing to list."""
    excludes = [f":(exclude,literal){p.strip('/')}" for p in exclude if p.strip("/")]
    roots = None if paths else _roots_without(cwd, [p.strip("/") for p in exclude])
    base = ["ls-files", "-z", "--others", "--exclude-standard", "--"]
    if roots is None:
        return [*base, *_literal(paths), *excludes]
    # The roots already leave the excluded directories out. Adding the exclude pathspecs as well
    # would make git walk every directory again, excluded ones included.
    return [*base, *_literal(roots)] if roots else None


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
    result = _run(args, cwd=cwd)
    if result.returncode == 1 and not result.stderr:
        return []  # no file matched
    if result.returncode != 0:
        raise _failure("cannot search the working tree", result.stderr)
    return sorted(_split_z(result.stdout))


# ---------------------------------------------------------------------------------------------
# Trees and blobs


def ls_tree(rev: str, prefix: str = "", *, cwd: Path) -> list[TreeEntry]:
    """Every blob and submodule under `prefix` in `rev`, recursively, with sizes."""
    sha = resolve(rev, cwd=cwd)
    args = ["ls-tree", "-r", "-z", "--long", "--full-tree", sha]
    if prefix.strip("/"):
        args += ["--", prefix.strip("/")]
    return _parse_tree(_git(args, cwd=cwd, what=f"cannot list {rev}:{prefix}"))


def _parse_tree(out: bytes) -> list[TreeEntry]:
    entries = []
    for record in _split_z(out):
        meta, _, path = record.partition("\t")
        mode, kind, obj, size = meta.split(maxsplit=3)
        size = size.strip()
        entries.append(TreeEntry(mode, kind, obj, int(size) if size.isdigit() else None, path))
    return entries


def read_blob(rev: str, path: str, *, cwd: Path) -> bytes | None:
    """The content of `path` at `rev`, or None when `rev` has no file there."""
    return read_blobs(rev, [path], cwd=cwd).get(path)


def read_blobs(rev: str, paths: Iterable[str], *, cwd: Path) -> dict[str, bytes]:
    """Contents of many files at `rev` in one `git cat-file --batch`; missing files are omitted."""
    wanted = sorted(set(paths))
    if not wanted:
        return {}
    # A full sha (what merge_base and resolve return) needs no extra process to check it.
    sha = rev if is_full_sha(rev) else resolve(rev, cwd=cwd)

    def run(args: Sequence[str], stdin: bytes | None) -> _Result:
        return _run(args, cwd=cwd, stdin=stdin)

    return _blobs(run, sha, wanted)


def _blobs(
    run: Callable[[Sequence[str], bytes | None], _Result], sha: str, wanted: Sequence[str]
) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    # `--batch` reads one object name per line, so a path holding a newline goes on its own.
    batchable = [p for p in wanted if "\n" not in p]
    for path in wanted:
        if "\n" in path:
            result = run(["cat-file", "blob", f"{sha}:{path}"], None)
            if result.returncode == 0:
                found[path] = result.stdout
    if batchable:
        request = "".join(f"{sha}:{p}\n" for p in batchable).encode("utf-8", "surrogateescape")
        result = run(["cat-file", "--batch"], request)
        if result.returncode != 0:
            raise _failure(f"cannot read files at {sha[:12]}", result.stderr)
        found.update(_parse_batch(result.stdout, batchable))
    return found


def _parse_batch(out: bytes, paths: Sequence[str]) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    pos = 0
    for path in paths:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) == 3 and header[1] in {b"blob", b"tree", b"commit", b"tag"}:
            size = int(header[2])
            if header[1] == b"blob":
                found[path] = out[pos : pos + size]
            pos += size + 1  # the contents are followed by a newline
        # otherwise "<name> missing" or "<name> ambiguous": nothing follows the header
    return found


# ---------------------------------------------------------------------------------------------
# Fetching one commit (the pull request workflow)


def fetch_pull_commit(
    sha: str, *, cwd: Path, remote: str = "origin", auth_header: str | None = None
) -> None:
    """Fetch the objects of exactly commit `sha` from `remote`: no tags, no submodules.

    `auth_header` (an `Authorization: ...` value) reaches git through `GIT_CONFIG_*` variables, so
    the token is neither on a command line nor written to `.git/config`.
    """
    if not is_full_sha(sha):
        raise LabtaxError(f"not a full commit sha: {sha!r}")
    env: dict[str, str] = {}
    if auth_header:
        env.update(
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0="http.extraHeader",
            GIT_CONFIG_VALUE_0=auth_header,
        )
    args = ["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--", remote, sha]
    result = _run(args, cwd=cwd, env=env, timeout=_FETCH_TIMEOUT_S)
    if result.returncode != 0:
        raise _failure(f"cannot fetch {sha[:12]} from {remote!r}", result.stderr)
    resolve(sha, cwd=cwd)


# ---------------------------------------------------------------------------------------------
# Document mirrors: bare repositories holding pinned commits of knowledge documents
#
# A mirror holds whatever a leaf's repository sent, and sits on disk between runs: git must treat
# it as data, never as configuration. Every git process on a mirror runs with hooks off, no
# replace objects, no system or global configuration and none of the caller's GIT_* variables
# that redirect a repository, and with the mirror's own config rewritten from scratch first: a
# planted hook, `core.fsmonitor`, `core.sshCommand`, alias, include, filter or alternate object
# store never takes effect. Commits are fetched by full sha only, shallow, with a blob size
# filter, under a byte cap on the mirror and a time limit.

# What a mirror may hold besides the config and HEAD labtax writes; anything else is removed.
_MIRROR_DIRS = frozenset({"objects", "refs"})
_MIRROR_FILES = frozenset({"packed-refs", "shallow"})
# Ordinary transports only, whatever the caller allows: never `ext::` and friends, which run
# commands.
_DOCUMENT_PROTOCOLS = frozenset({"file", "git", "http", "https", "ssh"})
# The caller's variables that would point git at another repository, object store or config.
_REDIRECTING = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_REPLACE_REF_BASE",
        "GIT_SHALLOW_FILE",
        "GIT_GRAFT_FILE",
        "GIT_QUARANTINE_PATH",
        "GIT_CEILING_DIRECTORIES",
        "GIT_DISCOVERY_ACROSS_FILESYSTEM",
        "GIT_EXEC_PATH",
        "GIT_TEMPLATE_DIR",
    }
)
_HARDENED_OPTIONS = ("-c", f"core.hooksPath={os.devnull}", "-c", "core.fsmonitor=false")
_MIRROR_POLL_S = 0.2


@dataclass(frozen=True)
class MirrorLimits:
    """How much one document repository may cost: mirror bytes, fetch seconds, transports."""

    max_bytes: int
    timeout: float
    protocols: tuple[str, ...]
    blob_limit: int  # larger files are left on the server (`--filter=blob:limit=`)


def _mirror_environ(mirror: Path, protocols: Sequence[str]) -> dict[str, str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in _REDIRECTING and not key.startswith("GIT_CONFIG")
    }
    return {
        **base,
        **_ENV_OVERRIDES,
        "GIT_DIR": str(mirror),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_NO_REPLACE_OBJECTS": "1",
        "GIT_ATTR_NOSYSTEM": "1",
        # Only these transports; reading passes none, so nothing can be fetched lazily.
        "GIT_ALLOW_PROTOCOL": ":".join(p for p in protocols if p in _DOCUMENT_PROTOCOLS),
    }


def _mirror_start(
    mirror: Path,
    args: Sequence[str],
    *,
    protocols: Sequence[str] = (),
    stdin: bool = False,
    group: bool = False,
) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            ["git", *_HARDENED_OPTIONS, *args],
            cwd=mirror,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_mirror_environ(mirror, protocols),
            # A process group of its own, so a stopped fetch takes its transport helpers
            # (`git remote-https`, ssh) with it instead of leaving them holding the pipes.
            start_new_session=group,
        )
    except FileNotFoundError as exc:
        raise LabtaxError(
            "git is not installed or not on PATH",
            hint="install git (https://git-scm.com) and try again",
        ) from exc


def _mirror_run(mirror: Path, args: Sequence[str], *, stdin: bytes | None = None) -> _Result:
    return _finish(_mirror_start(mirror, args, stdin=stdin is not None), stdin=stdin)


def _mirror_config(object_format: str) -> str:
    """The whole config of a mirror: a bare repository and nothing else."""
    if object_format == "sha256":
        return (
            "[core]\n\trepositoryformatversion = 1\n\tbare = true\n"
            "[extensions]\n\tobjectformat = sha256\n"
        )
    return "[core]\n\trepositoryformatversion = 0\n\tbare = true\n"


def _object_format(sha: str) -> str:
    return "sha256" if len(sha) == 64 else "sha1"


def prepare_mirror(mirror: Path, sha: str) -> None:
    """Make `mirror` a bare repository labtax wrote: rebuilt config, nothing but objects and refs.

    A mirror holding a symlink anywhere, or not a directory at all, is discarded whole.
    """
    if mirror.is_symlink() or (mirror.exists() and not mirror.is_dir()):
        mirror.unlink()
    elif mirror.is_dir() and _holds_symlink(mirror):
        shutil.rmtree(mirror)
    mirror.mkdir(parents=True, exist_ok=True)
    for entry in mirror.iterdir():
        kept = (entry.name in _MIRROR_DIRS and entry.is_dir()) or (
            entry.name in _MIRROR_FILES and entry.is_file()
        )
        if not kept:
            _remove(entry)
    # Alternates would let git read another object store; commit-graphs and the like are rebuilt
    # by git when it wants them.
    _remove(mirror / "objects" / "info")
    for directory in ("objects/pack", "refs/heads", "refs/tags"):
        (mirror / directory).mkdir(parents=True, exist_ok=True)
    # Replaced by rename: a git process reading the mirror never sees half a config.
    write_atomic(mirror / "HEAD", "ref: refs/heads/main\n", sync=False)
    write_atomic(mirror / "config", _mirror_config(_object_format(sha)), sync=False)


def _holds_symlink(top: Path) -> bool:
    for directory, subdirs, files in os.walk(top):
        base = Path(directory)
        if any((base / name).is_symlink() for name in (*subdirs, *files)):
            return True
    return False


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def mirror_size(mirror: Path) -> int:
    """Bytes of every file in the mirror (symlinks are never followed)."""
    total = 0
    for directory, _, files in os.walk(mirror):
        for name in files:
            try:
                total += (Path(directory) / name).lstat().st_size
            except OSError:
                continue  # a temporary file git just renamed or removed
    return total


def mirror_has_commit(mirror: Path, sha: str) -> bool:
    """Whether the prepared `mirror` holds the commit object `sha` itself (no ref, no peeling)."""
    if not is_full_sha(sha) or not (mirror / "HEAD").is_file():
        return False
    result = _mirror_run(mirror, ["cat-file", "-t", sha])
    return result.returncode == 0 and result.stdout.strip() == b"commit"


def fetch_mirror(url: str, sha: str, *, mirror: Path, limits: MirrorLimits) -> None:
    """Make commit `sha` of the repository at `url` present in the bare repository `mirror`.

    Nothing touches the network when the mirror already holds the commit. Otherwise exactly that
    commit is fetched, shallow and filtered, and checked to be a commit; there is no fallback to
    fetching every branch. Going over `limits` removes the mirror and raises `LabtaxError`.
    """
    if not url or url.startswith("-") or not is_full_sha(sha):
        raise LabtaxError(
            f"invalid document repository {url!r} at {sha!r}",
            hint="document.repo must be a git URL and document.commit a full commit sha",
        )
    prepare_mirror(mirror, sha)
    if mirror_has_commit(mirror, sha):
        return
    args = [
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        "--no-recurse-submodules",
        "--depth=1",
        f"--filter=blob:limit={limits.blob_limit}",
        "--",
        url,
        f"{sha}:refs/labtax/{sha}",  # a ref keeps the commit safe from `git gc`
    ]
    result = _fetch_bounded(mirror, args, limits)
    prepare_mirror(mirror, sha)  # the fetch wrote a promisor remote into the config: drop it
    if not mirror_has_commit(mirror, sha):
        kind = _mirror_run(mirror, ["cat-file", "-t", sha]).stdout.decode().strip()
        detail = result.stderr.splitlines()[-1] if result.stderr else ""
        if kind:
            detail = f"{sha} is a {kind}, not a commit"
        raise LabtaxError(
            f"cannot fetch commit {sha} of document repository {url}: {detail or 'not found'}",
            hint="check document.commit: the full sha of a commit the server has; the server "
            "must allow fetching a commit by its sha (GitHub and GitLab do), as labtax fetches "
            "nothing else",
        )


def _fetch_bounded(mirror: Path, args: Sequence[str], limits: MirrorLimits) -> _Result:
    """Run a fetch into `mirror`, stopping it when it runs over the byte or time limit."""
    process = _mirror_start(mirror, args, protocols=limits.protocols, group=True)
    try:
        return _watch(process, mirror, limits)
    except BaseException:
        if process.returncode is None:
            _stop_group(process)  # interrupted: no fetch may outlive labtax
        raise


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.kill()
    process.communicate()


def _watch(process: subprocess.Popen[bytes], mirror: Path, limits: MirrorLimits) -> _Result:
    started = time.monotonic()
    while True:
        try:
            stdout, stderr = process.communicate(timeout=_MIRROR_POLL_S)
            break
        except subprocess.TimeoutExpired:
            size = mirror_size(mirror)
            elapsed = time.monotonic() - started
            if size <= limits.max_bytes and elapsed <= limits.timeout:
                continue
            _stop_group(process)
            shutil.rmtree(mirror, ignore_errors=True)
            if size > limits.max_bytes:
                raise LabtaxError(
                    f"document repository is over the cap of {limits.max_bytes} bytes "
                    f"(fetched {size} so far)",
                    hint="raise [tool.labtax] document_max_bytes, or point the leaf at a "
                    "smaller repository",
                ) from None
            raise LabtaxError(
                f"fetching the document repository did not finish within {limits.timeout:g} s",
                hint="raise [tool.labtax] document_fetch_timeout, or check the network and "
                "the repository's size",
            ) from None
    size = mirror_size(mirror)
    if size > limits.max_bytes:
        shutil.rmtree(mirror, ignore_errors=True)
        raise LabtaxError(
            f"document repository is over the cap of {limits.max_bytes} bytes ({size} fetched)",
            hint="raise [tool.labtax] document_max_bytes, or point the leaf at a smaller "
            "repository",
        )
    return _Result(process.returncode, stdout, stderr.decode("utf-8", errors="replace").strip())


def mirror_tree(mirror: Path, sha: str) -> list[TreeEntry]:
    """Every blob under commit `sha` of a prepared mirror; `size` is None for filtered blobs."""
    result = _mirror_run(mirror, ["ls-tree", "-r", "-z", "--long", "--full-tree", sha])
    return _parse_tree(_checked(result, f"cannot list {sha[:12]} in the document mirror"))


def mirror_blobs(mirror: Path, sha: str, paths: Iterable[str]) -> dict[str, bytes]:
    """Contents of files at commit `sha` of a prepared mirror; missing (filtered) ones omitted."""

    def run(args: Sequence[str], stdin: bytes | None) -> _Result:
        return _mirror_run(mirror, args, stdin=stdin)

    return _blobs(run, sha, sorted(set(paths)))

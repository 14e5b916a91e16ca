"""Every git call labtax makes: argument lists, NUL-separated output, no shell.

Paths given to and returned by these functions are POSIX paths relative to the repository root
(the `toplevel`), exactly as git stores them: spaces, non-ASCII and even newlines survive because
all listings use `-z`. Pathspecs are passed with the `literal` magic, so `*` or `[` in a file name
is never a glob. Each function takes the repository root as the keyword argument `cwd`.

Failures become `LabtaxError` with a hint: not a git repository, an unknown ref, git missing.
Reading never writes to the repository (not even the index's stat cache); only the fetch
functions (`deepen`, `fetch_pull_commit`, `fetch_document_repo`) add objects and refs.

It is one module on purpose: it is the single place that runs git, so the environment every git
process gets (no optional locks, no prompts, C locale) and the hardening of untrusted repositories
are decided once, and a review of what labtax does to a repository reads one file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from labtax.errors import LabtaxError
from labtax.util import is_full_sha

# Read-only commands must not take `index.lock` to refresh stat data: labtax often runs while
# an editor, a hook or another git process holds the repository.
_ENV_OVERRIDES = {"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
_FETCH_TIMEOUT_S = 300.0


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


def resolve(ref: str, *, cwd: Path) -> str:
    """The commit sha `ref` names; an unknown ref is an error telling how to fetch it."""
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
            hint=_fetch_hint(ref),
        )
    return sha


def _fetch_hint(ref: str) -> str:
    if "/" in ref:
        remote, branch = ref.split("/", 1)
        return f"fetch it first (git fetch {remote} {branch}), or pass another ref with --base"
    return f"fetch it first (git fetch origin {ref}:{ref}), or pass another ref with --base"


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
    out = _git(args, cwd=cwd, what=f"cannot list {rev}:{prefix}")
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
    found: dict[str, bytes] = {}
    # `--batch` reads one object name per line, so a path holding a newline goes on its own.
    batchable = [p for p in wanted if "\n" not in p]
    for path in wanted:
        if "\n" in path:
            result = _run(["cat-file", "blob", f"{sha}:{path}"], cwd=cwd)
            if result.returncode == 0:
                found[path] = result.stdout
    if batchable:
        request = "".join(f"{sha}:{p}\n" for p in batchable).encode("utf-8", "surrogateescape")
        result = _run(["cat-file", "--batch"], cwd=cwd, stdin=request)
        if result.returncode != 0:
            raise _failure(f"cannot read files at {rev}", result.stderr)
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
# Document repositories (added for labtax.documents)

# A leaf names its document repository, and a leaf can come from an untrusted pull request: only
# ordinary transports, never `ext::` and friends that run commands.
_DOCUMENT_PROTOCOLS = ("file", "git", "http", "https", "ssh")


def has_commit(sha: str, *, cwd: Path) -> bool:
    """True when the repository at `cwd` holds commit `sha`."""
    if not cwd.is_dir():
        return False
    # GIT_DIR stops git from searching upwards: a half-made mirror inside a checkout must not
    # answer with the enclosing repository's objects.
    args = ["cat-file", "-e", "--end-of-options", f"{sha}^{{commit}}"]
    result = _run(args, cwd=cwd, env={"GIT_DIR": str(cwd)})
    return result.returncode == 0


class DocumentFetchError(LabtaxError):
    """A knowledge leaf's document repository could not give its pinned commit; `cause` says why:
    "commit" (the repository answered but does not have it), "name" (the host name does not
    resolve), "refused" (nothing answers there) or "repo" (anything else)."""

    def __init__(self, message: str, *, hint: str, cause: str) -> None:
        super().__init__(message, hint=hint)
        self.cause = cause


_FETCH_HINTS = {
    "commit": "document.commit is not in that repository: use the full sha of a commit that"
    " was pushed to it",
    "name": "the host name in document.repo does not resolve: check the URL, and the network's"
    " name server",
    "refused": "nothing answers at document.repo's host: check the URL and port, and that the"
    " server is up",
    "repo": "check document.repo and document.commit (a full sha that exists in that repository)",
}


def fetch_failure_cause(detail: str) -> str:
    """Why git could not fetch a document repository, from the last line it wrote."""
    text = detail.lower()
    if "could not resolve host" in text or "name or service not known" in text:
        return "name"
    if "couldn't connect to server" in text or "connection refused" in text:
        return "refused"
    if not detail or "not our ref" in text or "couldn't find remote ref" in text:
        return "commit"
    return "repo"


def fetch_document_repo(
    url: str, commit: str, *, dest: Path, protocols: tuple[str, ...] = _DOCUMENT_PROTOCOLS
) -> None:
    """Make `commit` of the repository at `url` present in the bare repository `dest`.

    `dest` is created on first use; when it already holds the commit nothing touches the network.
    The commit alone is fetched (shallow) when the server allows it, else every branch and tag.
    """
    if not url or url.startswith("-") or not commit or commit.startswith("-"):
        raise DocumentFetchError(
            f"invalid document repository {url!r} at {commit!r}",
            hint="document.repo must be a git URL and document.commit a commit sha",
            cause="repo" if not url or url.startswith("-") else "commit",
        )
    if has_commit(commit, cwd=dest):
        return
    dest.mkdir(parents=True, exist_ok=True)
    if not (dest / "HEAD").exists():
        _git(["init", "--quiet", "--bare"], cwd=dest, what=f"cannot create {dest}")
    attempts = (
        # A ref keeps the fetched commit safe from `git gc`.
        ["fetch", "--quiet", "--no-tags", "--depth=1", "--", url, f"{commit}:refs/labtax/{commit}"],
        ["fetch", "--quiet", "--tags", "--", url, "+refs/heads/*:refs/remotes/source/*"],
    )
    detail = ""
    for args in attempts:
        allowed = {"GIT_ALLOW_PROTOCOL": ":".join(p for p in protocols if p in _DOCUMENT_PROTOCOLS)}
        result = _run(args, cwd=dest, env=allowed, timeout=_FETCH_TIMEOUT_S)
        if has_commit(commit, cwd=dest):
            return
        detail = result.stderr.splitlines()[-1] if result.stderr else detail
    cause = fetch_failure_cause(detail)
    raise DocumentFetchError(
        f"cannot fetch commit {commit} of document repository {url}: {detail or 'not found'}",
        hint=_FETCH_HINTS[cause],
        cause=cause,
    )

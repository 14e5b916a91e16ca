"""Trees and blobs of a commit, and fetching one commit's objects (the pull request workflow)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from labtax.errors import LabtaxError
from labtax.gitio.process import FETCH_TIMEOUT_S, Result, failure, output, run, split_z
from labtax.gitio.refs import resolve
from labtax.util import is_full_sha

_REGULAR_MODES = frozenset({"100644", "100755"})


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a recursive tree listing; `mode` 120000 is a symlink, 160000 a submodule."""

    mode: str
    kind: str  # "blob" | "commit" (a submodule) | "tree"
    sha: str
    size: int | None  # bytes for blobs, None otherwise
    path: str

    @property
    def is_regular_file(self) -> bool:
        """A blob of a regular file (git's modes 100644 and 100755): not a symlink, a
        submodule or a directory, whose content would be a path, a commit or a listing."""
        return self.kind == "blob" and self.mode in _REGULAR_MODES


def ls_tree(rev: str, prefix: str = "", *, cwd: Path) -> list[TreeEntry]:
    """Every blob and submodule under `prefix` in `rev`, recursively, with sizes."""
    sha = resolve(rev, cwd=cwd)
    args = ["ls-tree", "-r", "-z", "--long", "--full-tree", sha]
    if prefix.strip("/"):
        args += ["--", prefix.strip("/")]
    return parse_tree(output(args, cwd=cwd, what=f"cannot list {rev}:{prefix}"))


def parse_tree(out: bytes) -> list[TreeEntry]:
    """Entries of `git ls-tree -r -z --long` output."""
    entries = []
    for record in split_z(out):
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

    def send(args: Sequence[str], stdin: bytes | None) -> Result:
        return run(args, cwd=cwd, stdin=stdin)

    return blob_batch(send, sha, wanted)


def blob_batch(
    send: Callable[[Sequence[str], bytes | None], Result], sha: str, wanted: Sequence[str]
) -> dict[str, bytes]:
    """The blobs at `sha:<path>` for each wanted path, read through `send` (one git process
    for all paths but those holding a newline, which `--batch` cannot name)."""
    found: dict[str, bytes] = {}
    # `--batch` reads one object name per line, so a path holding a newline goes on its own.
    batchable = [p for p in wanted if "\n" not in p]
    for path in wanted:
        if "\n" in path:
            result = send(["cat-file", "blob", f"{sha}:{path}"], None)
            if result.returncode == 0:
                found[path] = result.stdout
    if batchable:
        request = "".join(f"{sha}:{p}\n" for p in batchable).encode("utf-8", "surrogateescape")
        result = send(["cat-file", "--batch"], request)
        if result.returncode != 0:
            raise failure(f"cannot read files at {sha[:12]}", result.stderr)
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
    result = run(args, cwd=cwd, env=env, timeout=FETCH_TIMEOUT_S)
    if result.returncode != 0:
        raise failure(f"cannot fetch {sha[:12]} from {remote!r}", result.stderr)
    resolve(sha, cwd=cwd)

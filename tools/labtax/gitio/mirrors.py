"""Document mirrors: bare repositories holding pinned commits of knowledge documents.

A mirror holds whatever a leaf's repository sent, and sits on disk between runs: git must treat
it as data, never as configuration. Every git process on a mirror runs with hooks off, no
replace objects, no system or global configuration and none of the caller's GIT_* variables
that redirect a repository, and with the mirror's own config rewritten from scratch first: a
planted hook, `core.fsmonitor`, `core.sshCommand`, alias, include, filter or alternate object
store never takes effect. Commits are fetched by full sha only, shallow, with a blob size
filter, under a byte cap on the mirror and a time limit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from labtax.errors import LabtaxError
from labtax.gitio.objects import TreeEntry, blob_batch, parse_tree
from labtax.gitio.process import ENV_OVERRIDES, Result, checked, finish
from labtax.util import is_full_sha, write_atomic

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


class DocumentFetchError(LabtaxError):
    """A knowledge leaf's document repository could not give its pinned commit; `cause` says why:
    "commit" (the repository answered but does not have it), "name" (the host name does not
    resolve), "refused" (nothing answers there) or "repo" (anything else)."""

    def __init__(self, message: str, *, hint: str, cause: str) -> None:
        super().__init__(message, hint=hint)
        self.cause = cause


_FETCH_HINTS = {
    "commit": "document.commit is not in that repository: use the full sha of a commit that was"
    " pushed to it; the server must allow fetching a commit by its sha (GitHub and GitLab do),"
    " as labtax fetches nothing else",
    "name": "the host name in document.repo does not resolve: check the URL, and the network's"
    " name server",
    "refused": "nothing answers at document.repo's host: check the URL and port, and that the"
    " server is up",
    "repo": "check document.repo and document.commit (the full sha of a commit in that repository)",
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


def _mirror_environ(mirror: Path, protocols: Sequence[str]) -> dict[str, str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in _REDIRECTING and not key.startswith("GIT_CONFIG")
    }
    return {
        **base,
        **ENV_OVERRIDES,
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


def _mirror_run(mirror: Path, args: Sequence[str], *, stdin: bytes | None = None) -> Result:
    return finish(_mirror_start(mirror, args, stdin=stdin is not None), stdin=stdin)


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
    fetching every branch. Going over `limits` removes the mirror and raises `LabtaxError`; a
    fetch that fails raises `DocumentFetchError` saying why.
    """
    if not url or url.startswith("-") or not is_full_sha(sha):
        raise DocumentFetchError(
            f"invalid document repository {url!r} at {sha!r}",
            hint="document.repo must be a git URL and document.commit a full commit sha",
            cause="repo" if not url or url.startswith("-") else "commit",
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
        cause = "commit" if kind else fetch_failure_cause(detail)
        hint = _FETCH_HINTS[cause]
        if kind:
            detail = f"{sha} is a {kind}, not a commit"
            hint = (
                f"document.commit names a {kind}: use the full sha of a commit (of a tag's"
                " commit: git rev-parse TAG^{commit})"
            )
        raise DocumentFetchError(
            f"cannot fetch commit {sha} of document repository {url}: {detail or 'not found'}",
            hint=hint,
            cause=cause,
        )


def _fetch_bounded(mirror: Path, args: Sequence[str], limits: MirrorLimits) -> Result:
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


def _watch(process: subprocess.Popen[bytes], mirror: Path, limits: MirrorLimits) -> Result:
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
    return Result(process.returncode, stdout, stderr.decode("utf-8", errors="replace").strip())


def mirror_tree(mirror: Path, sha: str) -> list[TreeEntry]:
    """Every blob under commit `sha` of a prepared mirror; `size` is None for filtered blobs."""
    result = _mirror_run(mirror, ["ls-tree", "-r", "-z", "--long", "--full-tree", sha])
    return parse_tree(checked(result, f"cannot list {sha[:12]} in the document mirror"))


def mirror_blobs(mirror: Path, sha: str, paths: Iterable[str]) -> dict[str, bytes]:
    """Contents of files at commit `sha` of a prepared mirror; missing (filtered) ones omitted."""

    def send(args: Sequence[str], stdin: bytes | None) -> Result:
        return _mirror_run(mirror, args, stdin=stdin)

    return blob_batch(send, sha, sorted(set(paths)))

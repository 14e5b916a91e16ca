"""The repository, its refs and its history: toplevel, resolve, merge bases, shallow clones."""

from __future__ import annotations

from pathlib import Path

from labtax.errors import LabtaxError
from labtax.gitio.process import FETCH_TIMEOUT_S, failure, notices, output, run


def toplevel(cwd: Path) -> Path:
    """The root of the working tree containing `cwd`."""
    if not Path(cwd).is_dir():
        raise LabtaxError(
            f"directory does not exist: {cwd}", hint="run labtax inside the repository"
        )
    result = run(["rev-parse", "--show-toplevel"], cwd=cwd)
    if result.returncode != 0:
        raise failure(f"cannot use git in {cwd}", result.stderr)
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
    result = run(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], cwd=cwd
    )
    sha = result.stdout.decode("ascii", errors="replace").strip()
    if result.returncode != 0 or not sha:
        if "not a git repository" in result.stderr:
            raise failure(f"cannot resolve {ref!r}", result.stderr)
        raise LabtaxError(
            f"unknown ref {ref!r}: no such branch, tag or commit in this repository",
            hint=_fetch_hint(ref, option),
        )
    return sha


_REVISION_SYNTAX = ("~", "^", ":", "..", "@{")


def _fetch_hint(ref: str, option: str) -> str:
    if any(mark in ref for mark in _REVISION_SYNTAX):
        # An expression such as HEAD~99 or main..HEAD, not a name a fetch could bring.
        return (
            f"{option} takes one branch, tag or commit that exists here (HEAD~99 needs that"
            " many commits; in a shallow clone, fetch more history with git fetch --deepen)"
        )
    if "/" in ref:
        remote, branch = ref.split("/", 1)
        return f"fetch it first (git fetch {remote} {branch}), or pass another ref with {option}"
    return f"fetch it first (git fetch origin {ref}:{ref}), or pass another ref with {option}"


def head(*, cwd: Path) -> str:
    """The sha of HEAD (attached or detached); an error in a repository with no commits."""
    result = run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=cwd)
    sha = result.stdout.decode("ascii", errors="replace").strip()
    if result.returncode != 0 or not sha:
        if "not a git repository" in result.stderr:
            raise failure("cannot read HEAD", result.stderr)
        raise LabtaxError(
            "HEAD does not point to a commit (the repository has no commits yet)",
            hint="commit something first, or compare against a base once one exists",
        )
    return sha


def merge_base(a: str, b: str, *, cwd: Path) -> str:
    """The best common ancestor of two commits."""
    result = run(["merge-base", "--end-of-options", a, b], cwd=cwd)
    sha = result.stdout.decode("ascii", errors="replace").strip()
    if result.returncode == 0 and sha:
        return sha.split()[0]
    if result.returncode == 1 and not result.stderr:
        raise LabtaxError(
            f"{a} and {b} have no common ancestor",
            hint="the histories are unrelated (or the clone is shallow): pass a related --base, "
            "or fetch full history (git fetch --unshallow; in GitHub Actions, fetch-depth: 0)",
        )
    raise failure(f"cannot find the merge base of {a} and {b}", result.stderr)


def remotes(*, cwd: Path) -> list[str]:
    """Configured remotes, `origin` first."""
    names = output(["remote"], cwd=cwd, what="cannot list remotes").decode().split()
    return sorted(names, key=lambda n: (n != "origin", n))


def ref_exists(ref: str, *, cwd: Path) -> bool:
    return run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=cwd).returncode == 0


def default_base(*, cwd: Path) -> str:
    """The upstream default branch (`origin/HEAD`'s target) when a remote has one, else `main`.

    A clone made by CI often has `origin/main` but no `origin/HEAD` and no local `main`; then the
    remote's `main` is the answer, since a local `main` does not exist to be preferred.
    """
    names = remotes(cwd=cwd)
    for remote in names:
        result = run(["symbolic-ref", "--quiet", "--short", f"refs/remotes/{remote}/HEAD"], cwd=cwd)
        target = result.stdout.decode("utf-8", errors="replace").strip()
        if result.returncode == 0 and target:
            return target
    if ref_exists("refs/heads/main", cwd=cwd):
        return "main"
    for remote in names:
        if ref_exists(f"refs/remotes/{remote}/main", cwd=cwd):
            return f"{remote}/main"
    return "main"


def is_shallow(*, cwd: Path) -> bool:
    """True in a shallow clone (CI's default `fetch-depth: 1`), where merge bases are unreliable."""
    out = output(
        ["rev-parse", "--is-shallow-repository"], cwd=cwd, what="cannot inspect repository"
    )
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
    notices.info(
        "this is a shallow clone: fetching its full history from %r to find the merge base",
        remote,
    )
    result = run(
        ["fetch", "--quiet", "--no-tags", "--unshallow", "--", remote],
        cwd=cwd,
        timeout=FETCH_TIMEOUT_S,
    )
    if result.returncode != 0 and is_shallow(cwd=cwd):
        detail = result.stderr.splitlines()[-1] if result.stderr else "fetch failed"
        raise LabtaxError(
            f"this is a shallow clone and fetching its history from {remote!r} failed: {detail}",
            hint=hint,
        )

"""Every git call labtax makes: argument lists, NUL-separated output, no shell.

This package is the single place that runs git, so the environment every git process gets (no
optional locks, no prompts, C locale) and the hardening of untrusted repositories are decided
once, and a review of what labtax does to a repository reads this folder. Its modules:

- `process`: starting git, its environment, failures turned into `LabtaxError` with a hint.
- `refs`: the repository, refs and history (toplevel, resolve, merge base, shallow clones).
- `diffs`: what changed (the working tree or a commit against a base, untracked, staged).
- `objects`: trees and blobs of a commit; fetching exactly one commit (the pull request workflow).
- `mirrors`: document mirrors, handled as untrusted data (hardened git, pinned shas, caps).

Paths given to and returned by these functions are POSIX paths relative to the repository root
(the `toplevel`), exactly as git stores them: spaces, non-ASCII and even newlines survive because
all listings use `-z`. Pathspecs are passed with the `literal` magic, so `*` or `[` in a file name
is never a glob. Each function takes the repository root as the keyword argument `cwd`. Reading
never writes to the repository (not even the index's stat cache); only the fetch functions
(`deepen`, `fetch_pull_commit`, `fetch_mirror`) add objects and refs.
"""

from labtax.gitio.diffs import (
    DiffEntry,
    changed_paths,
    diff_name_status,
    grep_files,
    staged_deletions,
    untracked,
)
from labtax.gitio.mirrors import (
    DocumentFetchError,
    MirrorLimits,
    fetch_failure_cause,
    fetch_mirror,
    mirror_blobs,
    mirror_has_commit,
    mirror_size,
    mirror_tree,
    prepare_mirror,
)
from labtax.gitio.objects import TreeEntry, fetch_pull_commit, ls_tree, read_blob, read_blobs
from labtax.gitio.refs import (
    deepen,
    default_base,
    head,
    is_shallow,
    merge_base,
    remotes,
    resolve,
    toplevel,
)

__all__ = [
    "DiffEntry",
    "DocumentFetchError",
    "MirrorLimits",
    "TreeEntry",
    "changed_paths",
    "deepen",
    "default_base",
    "diff_name_status",
    "fetch_failure_cause",
    "fetch_mirror",
    "fetch_pull_commit",
    "grep_files",
    "head",
    "is_shallow",
    "ls_tree",
    "merge_base",
    "mirror_blobs",
    "mirror_has_commit",
    "mirror_size",
    "mirror_tree",
    "prepare_mirror",
    "read_blob",
    "read_blobs",
    "remotes",
    "resolve",
    "staged_deletions",
    "toplevel",
    "untracked",
]

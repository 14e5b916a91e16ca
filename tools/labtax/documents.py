"""A knowledge leaf's documents: find them, select files by pattern, read their text.

Documents live either in a directory of this repository (inside the documents folder or the
taxonomy, see `inputs`) or in a git repository pinned at a full commit sha. A remote repository is
fetched once into a bare mirror under `.labtax/mirrors/` (never inside the response cache, which CI
shares between jobs) and files are read straight from the pinned commit's tree, so nothing is
checked out and a second leaf, or a second run, pointing at the same repository costs no network.
`gitio` treats a mirror as untrusted data (hooks off, config rebuilt, fetch by sha only) and caps
each repository's bytes and fetch time (`[tool.labtax] document_max_bytes`,
`document_fetch_timeout`).

A store made with `fetch=False` reads prepared mirrors only: the step that holds the teacher key
fetches nothing (`labtax generate --prefetch-only` fetches before it, without the key), and a
missing mirror is an error.

Each selected file is read as Markdown, plain text or a PDF's text (`labtax.doctext`); one that
cannot be read is an error naming the leaf, the file and what to do, never skipped. Cutting the
text into chunks is `labtax.chunking`'s.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from labtax import gitio, inputs, util
from labtax.chunking import SourceFile
from labtax.config import Config
from labtax.doctext import UnreadableDocument, document_text
from labtax.errors import LabtaxError, Location
from labtax.leaves import Leaf
from labtax.util import is_full_sha

MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
_REMOTE = re.compile(r"^(?:(?:https?|git|ssh|file)://|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)")


# ---------------------------------------------------------------------------------------------
# Selecting files


def select(paths: Iterable[str], patterns: Sequence[str]) -> list[str]:
    """The relative POSIX paths matching any pattern, sorted (globs as `inputs` defines them)."""
    return sorted(p for p in paths if any(inputs.glob_match(pattern, p) for pattern in patterns))


def _read(leaf: Leaf, path: str, raw: bytes, where: str) -> SourceFile:
    """The selected file `path` (shown as `where`) as text; a located error when it has none."""
    try:
        return SourceFile(path, document_text(path, raw))
    except UnreadableDocument as exc:
        raise LabtaxError(
            f"cannot read the document {where} of this leaf: it {exc.problem}",
            hint=exc.hint,
            location=Location(leaf.path, *leaf.positions.of_value(("document", "patterns"))),
        ) from exc


# ---------------------------------------------------------------------------------------------
# Reading


class DocumentStore:
    """Reads documents for the leaves of one run, fetching each remote repository at most once.

    With `fetch=False` it never touches the network: remote documents come from mirrors a
    prefetch step prepared, and a missing one is an error.
    """

    def __init__(self, config: Config, *, fetch: bool = True) -> None:
        self.config = config
        self.fetch = fetch
        self._locks: dict[str, asyncio.Lock] = {}

    async def files(self, leaf: Leaf) -> list[SourceFile]:
        """The leaf's selected document files, in path order; an error when none are found."""
        ref = inputs.document_ref(self.config, leaf)
        if ref is None:
            raise LabtaxError(
                "knowledge leaf has no document to generate from",
                hint="add document: {repo, commit, patterns} to the leaf",
                location=Location(leaf.path),
            )
        if not inputs.is_url(ref.repo):
            found = await asyncio.to_thread(self._read_local, ref, leaf)
        else:
            _check_remote(self.config, ref, leaf)
            # One leaf at a time per mirror: a fetch rewrites the config other reads would see.
            lock = self._locks.setdefault(ref.repo, asyncio.Lock())
            async with lock:
                mirror = await asyncio.to_thread(self._mirror, ref, leaf)
                found = await asyncio.to_thread(
                    self._read_git, mirror, ref.commit, ref.patterns, leaf
                )
        if not found:
            raise LabtaxError(
                f"no document file matches the patterns {list(ref.patterns)} in {ref.repo}",
                hint="fix document.patterns (globs relative to the document repository's root)",
                location=_at(leaf, "patterns"),
            )
        return found

    def _mirror(self, ref: inputs.DocumentRef, leaf: Leaf) -> Path:
        try:
            if self.fetch:
                return fetch_repository(self.config, ref.repo, ref.commit)
            return prefetched(self.config, ref.repo, ref.commit)
        except LabtaxError as exc:
            # Located where the leaf can be fixed: its commit, unless the repository is at fault.
            at_repo = isinstance(exc, gitio.DocumentFetchError) and exc.cause != "commit"
            raise LabtaxError(
                f"{exc.message} (document.repo {ref.repo})",
                hint=exc.hint,
                location=_at(leaf, "repo" if at_repo else "commit"),
            ) from exc

    def _read_local(self, ref: inputs.DocumentRef, leaf: Leaf) -> list[SourceFile]:
        # Checked again at read time: validation may not have run on this leaf.
        problem = inputs.local_problem(self.config, ref.repo)
        if problem is not None:
            raise LabtaxError(
                f"document.repo {ref.repo!r} {problem}",
                hint="keep local documents in the documents folder "
                f"({self.config.documents}/) or the taxonomy, outside hidden folders",
                location=_at(leaf, "repo"),
            )
        for index, pattern in enumerate(ref.patterns):
            refused = inputs.pattern_problem(pattern)
            if refused is not None:
                raise LabtaxError(
                    f"document pattern {pattern!r} {refused}",
                    hint="select the documents with patterns that name no hidden file",
                    location=Location(
                        leaf.path, *leaf.positions.of_value(("document", "patterns", index))
                    ),
                )
        root = ref.local_dir
        if root is None or not root.is_dir():
            raise LabtaxError(
                f"document directory {ref.repo} does not exist",
                hint="fix document.repo, or add the documents to the repository",
                location=_at(leaf, "repo"),
            )
        out = []
        # The same selection `inputs_hash` digests, so what is read is what the hash pins.
        for path in inputs.document_files(ref):
            if path.stat().st_size > MAX_DOCUMENT_BYTES:
                raise _too_large(self.config.rel(path))
            inside = path.relative_to(root).as_posix()
            out.append(_read(leaf, inside, path.read_bytes(), self.config.rel(path)))
        return out

    def _read_git(
        self, mirror: Path, commit: str, patterns: Sequence[str], leaf: Leaf
    ) -> list[SourceFile]:
        # Regular files only: a symlink's target or a submodule is never a document.
        entries = {e.path: e for e in gitio.mirror_tree(mirror, commit) if e.is_regular_file}
        chosen = select(entries, patterns)
        largest = limits(self.config).blob_limit
        for path in chosen:
            size = entries[path].size
            # A blob the fetch filter left on the server has no size here.
            if size is None or size > largest:
                raise _too_large(f"{path} at {commit}", largest, location=_at(leaf, "patterns"))
        blobs = gitio.mirror_blobs(mirror, commit, chosen)
        out = []
        for path in chosen:
            if path not in blobs:
                raise _too_large(f"{path} at {commit}", largest, location=_at(leaf, "patterns"))
            out.append(_read(leaf, path, blobs[path], f"{path} at {commit[:12]}"))
        return out


def _at(leaf: Leaf, key: str) -> Location:
    return Location(leaf.path, *leaf.positions.of_value(("document", key)))


def _check_remote(config: Config, ref: inputs.DocumentRef, leaf: Leaf) -> None:
    """A URL leaf may be fetched: a transport this run allows, and a commit pinned by full sha."""
    if not _REMOTE.match(ref.repo):
        raise LabtaxError(
            f"document.repo {ref.repo!r} is neither a git URL nor a directory in this repository",
            hint="use an https://, ssh://, git:// or file:// URL, or a relative path such as "
            "documents/<name>",
            location=_at(leaf, "repo"),
        )
    if _scheme(ref.repo) not in config.document_protocols:
        raise LabtaxError(
            f"document.repo uses the {_scheme(ref.repo)} protocol, which this run does not "
            f"allow (allowed: {', '.join(config.document_protocols)})",
            hint="use an allowed URL, or widen LABTAX_DOCUMENT_PROTOCOLS / "
            "[tool.labtax] document_protocols",
            location=_at(leaf, "repo"),
        )
    if not is_full_sha(ref.commit):
        raise LabtaxError(
            f"document.commit {ref.commit!r} is not a full commit sha",
            hint="pin the document repository by the full 40 (or 64) hex digit sha of a commit, "
            "not a branch or tag name that can move after review (git ls-remote URL BRANCH)",
            location=_at(leaf, "commit"),
        )


def _too_large(
    where: str, limit: int = MAX_DOCUMENT_BYTES, *, location: Location | None = None
) -> LabtaxError:
    shown = f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit} bytes"
    return LabtaxError(
        f"document {where} is larger than {shown}",
        hint="split the document, or narrow document.patterns",
        location=location,
    )


def mirror_path(config: Config, repo: str, commit: str = "") -> Path:
    """Where the bare mirror of `repo` lives: `.labtax/mirrors/`, outside the cached path."""
    digest = hashlib.sha256(repo.encode("utf-8")).hexdigest()[:20]
    suffix = "-sha256" if len(commit) == 64 else ""
    return config.mirrors_dir / f"{digest}{suffix}.git"


def _scheme(repo: str) -> str:
    """The git transport a URL uses; scp-like `user@host:path` is ssh."""
    head, sep, _ = repo.partition("://")
    return head.lower() if sep else "ssh"


def _check_mirrors_dir(config: Config) -> None:
    mirrors = config.mirrors_dir.resolve()
    if mirrors.is_relative_to(config.cache_dir.resolve()):
        raise LabtaxError(
            f"document mirrors ({config.rel(mirrors)}) would lie inside the response cache "
            f"({config.cache_dir}), which CI saves and restores: git repositories must not",
            hint="point LABTAX_CACHE_DIR (or [tool.labtax] cache_dir) at a folder of its own, "
            "such as .labtax/cache",
        )


def limits(config: Config) -> gitio.MirrorLimits:
    """The caps one document repository runs under, from the settings."""
    return gitio.MirrorLimits(
        max_bytes=config.document_max_bytes,
        timeout=config.document_fetch_timeout,
        protocols=config.document_protocols,
        blob_limit=min(MAX_DOCUMENT_BYTES, config.document_max_bytes),
    )


def fetch_repository(config: Config, repo: str, commit: str) -> Path:
    """A mirror holding `commit` of `repo`, fetched (by that sha alone) only when missing."""
    _check_mirrors_dir(config)
    mirror = mirror_path(config, repo, commit)
    # Mirrors live under `.labtax/`, which ignores itself in whichever repository it lands in.
    util.make_state_dir(config.mirrors_dir)
    gitio.fetch_mirror(repo, commit, mirror=mirror, limits=limits(config))
    return mirror


def prefetched(config: Config, repo: str, commit: str) -> Path:
    """The mirror a prefetch step prepared for `commit` of `repo`; never fetches."""
    _check_mirrors_dir(config)
    mirror = mirror_path(config, repo, commit)
    if mirror.is_dir() and not mirror.is_symlink():
        gitio.prepare_mirror(mirror, commit)
        if gitio.mirror_has_commit(mirror, commit):
            return mirror
    raise LabtaxError(
        f"commit {commit} was not prefetched, and this run fetches no documents",
        hint="fetch the documents first, without the teacher key: labtax generate "
        "--prefetch-only with the same leaves",
    )

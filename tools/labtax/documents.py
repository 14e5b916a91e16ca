"""A knowledge leaf's documents: find them, select files by pattern, read their text.

Documents live either in a directory of this repository or in a git repository pinned at a commit.
A remote repository is fetched once into `<cache>/documents/<hash of url>.git` (a bare repository)
and files are read straight from the pinned commit's tree, so nothing is checked out and a second
leaf, or a second run, pointing at the same repository costs no network.

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

from labtax import gitio, inputs
from labtax.chunking import SourceFile
from labtax.config import Config
from labtax.doctext import UnreadableDocument, document_text
from labtax.errors import LabtaxError, Location
from labtax.leaves import Leaf

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
    """Reads documents for the leaves of one run, fetching each remote repository at most once."""

    def __init__(self, config: Config) -> None:
        self.config = config
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
        if ref.local_dir is not None:
            found = await asyncio.to_thread(self._read_local, ref, leaf)
        elif not _REMOTE.match(ref.repo):
            # A bare path outside the repository (absolute, or climbing out with ..) would let a
            # leaf read whatever repository happens to sit on the machine running labtax.
            raise LabtaxError(
                f"document.repo {ref.repo!r} is neither a git URL nor a directory in this "
                "repository",
                hint="use an https://, ssh://, git:// or file:// URL, or a relative path such "
                "as documents/<name>",
                location=Location(leaf.path, *leaf.positions.of_value(("document", "repo"))),
            )
        elif _scheme(ref.repo) not in self.config.document_protocols:
            raise LabtaxError(
                f"document.repo uses the {_scheme(ref.repo)} protocol, which this run does not "
                f"allow (allowed: {', '.join(self.config.document_protocols)})",
                hint="use an allowed URL, or widen LABTAX_DOCUMENT_PROTOCOLS / "
                "[tool.labtax] document_protocols",
                location=Location(leaf.path, *leaf.positions.of_value(("document", "repo"))),
            )
        else:
            lock = self._locks.setdefault(ref.repo, asyncio.Lock())
            async with lock:
                mirror = await asyncio.to_thread(
                    fetch_repository, self.config, ref.repo, ref.commit
                )
            found = await asyncio.to_thread(self._read_git, mirror, ref.commit, ref.patterns, leaf)
        if not found:
            raise LabtaxError(
                f"no document file matches the patterns {list(ref.patterns)} in {ref.repo}",
                hint="fix document.patterns (globs relative to the document repository's root)",
                location=Location(leaf.path, *leaf.positions.of_value(("document", "patterns"))),
            )
        return found

    def _read_local(self, ref: inputs.DocumentRef, leaf: Leaf) -> list[SourceFile]:
        root = ref.local_dir
        if root is None or not root.is_dir():
            raise LabtaxError(
                f"document directory {ref.repo} does not exist",
                hint="fix document.repo, or add the documents to the repository",
                location=Location(leaf.path, *leaf.positions.of_value(("document", "repo"))),
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
        entries = {e.path: e for e in gitio.ls_tree(commit, cwd=mirror) if e.kind == "blob"}
        chosen = select(entries, patterns)
        for path in chosen:
            size = entries[path].size
            if size is not None and size > MAX_DOCUMENT_BYTES:
                raise _too_large(f"{path} at {commit}")
        blobs = gitio.read_blobs(commit, chosen, cwd=mirror)
        return [
            _read(leaf, path, blobs.get(path, b""), f"{path} at {commit[:12]}") for path in chosen
        ]


def _too_large(where: str) -> LabtaxError:
    return LabtaxError(
        f"document {where} is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB",
        hint="split the document, or narrow document.patterns",
    )


def mirror_path(config: Config, repo: str) -> Path:
    """Where the bare mirror of `repo` lives in the cache."""
    digest = hashlib.sha256(repo.encode("utf-8")).hexdigest()[:20]
    return config.cache_dir / "documents" / f"{digest}.git"


def _scheme(repo: str) -> str:
    """The git transport a URL uses; scp-like `user@host:path` is ssh."""
    head, sep, _ = repo.partition("://")
    return head.lower() if sep else "ssh"


def fetch_repository(config: Config, repo: str, commit: str) -> Path:
    """A bare repository in the cache holding `commit` of `repo`, fetched only when missing."""
    mirror = mirror_path(config, repo)
    gitio.fetch_document_repo(repo, commit, dest=mirror, protocols=config.document_protocols)
    return mirror

"""Knowledge documents: selecting files, chunking, reading local and pinned repositories."""

from __future__ import annotations

import asyncio

import pytest

import projects
import sampleleaves
from labtax import documents
from labtax.config import load_config
from labtax.errors import LabtaxError
from labtax.util import CHARS_PER_TOKEN

# --- documents -------------------------------------------------------------------------------


def test_select_patterns():
    paths = ["a.md", "b.txt", "docs/c.md", "docs/deep/d.md", "e.MD"]
    assert documents.select(paths, ["*.md"]) == ["a.md"]
    assert documents.select(paths, ["**/*.md"]) == ["a.md", "docs/c.md", "docs/deep/d.md"]
    assert documents.select(paths, ["docs/*.md", "b.txt"]) == ["b.txt", "docs/c.md"]
    assert documents.select(paths, ["./a.md"]) == ["a.md"]
    assert documents.select(paths, ["[ab].*"]) == ["a.md", "b.txt"]


def test_chunks_pack_paragraphs_within_the_budget():
    files = [
        documents.SourceFile("w.md", sampleleaves.WATER_DOC),
        documents.SourceFile("p.md", sampleleaves.PRESS_DOC),
    ]
    chunks = documents.chunk(files, 60)
    assert len(chunks) > 4
    assert all(len(c.text) <= 60 * CHARS_PER_TOKEN for c in chunks)
    assert {c.source for c in chunks} == {"w.md", "p.md"}
    # No text is lost or reordered, and no chunk spans two files.
    for source in files:
        own = [c.text for c in chunks if c.source == source.path]
        assert " ".join(" ".join(own).split()) == " ".join(source.text.split())
    whole = documents.chunk(files, 10_000)
    assert [c.source for c in whole] == ["w.md", "p.md"]
    long_paragraph = "word " * 2000
    parts = documents.chunk([documents.SourceFile("l.md", long_paragraph)], 100)
    assert all(len(c.text) <= 400 for c in parts)
    assert sum(len(c.text.split()) for c in parts) == 2000


def test_chunk_budget_bounds():
    assert documents.chunk_budget(8192, 1024, 2000) == documents.MAX_CHUNK_TOKENS
    assert documents.chunk_budget(4096, 1024, 2500) == 4096 - 1024 - 2500
    assert documents.chunk_budget(2048, 1024, 4000) == documents.MIN_CHUNK_TOKENS


def test_documents_from_a_pinned_file_repository_are_fetched_once(repo, tmp_path, monkeypatch):
    docs = tmp_path / "docs-repo"
    commit = projects.make_docs_repo(docs)
    path = repo / "taxonomy/knowledge/history/press/qna.yaml"
    projects.write(
        path, sampleleaves.knowledge_yaml("history", sampleleaves.PRESS_DOC, docs.as_uri(), commit)
    )
    monkeypatch.setenv("LABTAX_CACHE_DIR", str(tmp_path / "cache"))
    config = load_config(repo)
    from labtax import gitio, leaves

    leaf = leaves.load_file(config, path)
    files = asyncio.run(documents.DocumentStore(config).files(leaf))
    assert [f.path for f in files] == ["press.md"]
    assert "A later edit" not in files[0].text  # read at the pinned commit, not the branch tip
    assert files[0].text == sampleleaves.PRESS_DOC
    mirror = documents.mirror_path(config, docs.as_uri(), commit)
    assert mirror.parent == repo.resolve() / ".labtax" / "mirrors"
    assert gitio.mirror_has_commit(mirror, commit)
    # A second read must not touch the network: the source repository may even be gone.
    import shutil

    shutil.rmtree(docs)
    again = asyncio.run(documents.DocumentStore(config).files(leaf))
    assert again == files


def test_missing_documents_are_located_errors(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("LABTAX_CACHE_DIR", str(tmp_path / "cache"))
    path = repo / "taxonomy/knowledge/a/qna.yaml"
    projects.write(
        path, sampleleaves.knowledge_yaml("x", sampleleaves.WATER_DOC, "documents/none", "local")
    )
    config = load_config(repo)
    from labtax import leaves

    with pytest.raises(LabtaxError, match="does not exist") as caught:
        asyncio.run(documents.DocumentStore(config).files(leaves.load_file(config, path)))
    assert caught.value.location is not None
    assert caught.value.location.path.endswith("qna.yaml")
    assert caught.value.location.line > 0
    projects.write(
        path,
        sampleleaves.knowledge_yaml(
            "x", sampleleaves.WATER_DOC, (tmp_path / "nope").as_uri(), "a" * 40
        ),
    )
    with pytest.raises(LabtaxError, match="cannot fetch"):
        asyncio.run(documents.DocumentStore(config).files(leaves.load_file(config, path)))
    for outside in (str(tmp_path / "elsewhere"), "../sibling", "ext::sh -c touch% /tmp/pwned"):
        projects.write(
            path, sampleleaves.knowledge_yaml("x", sampleleaves.WATER_DOC, outside, "a" * 40)
        )
        with pytest.raises(
            LabtaxError, match=r"outside the (repository|documents folder)"
        ) as refused:
            asyncio.run(documents.DocumentStore(config).files(leaves.load_file(config, path)))
        assert refused.value.location is not None
        assert refused.value.location.line > 0

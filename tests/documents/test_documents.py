"""Knowledge documents: selecting files, reading Markdown, text and PDF from local and pinned
repositories, and refusing files without usable text."""

from __future__ import annotations

import asyncio

import pytest

import pdfs
import projects
import sampleleaves
from labtax import documents
from labtax.config import load_config
from labtax.errors import LabtaxError

# --- documents -------------------------------------------------------------------------------


def test_select_patterns():
    paths = ["a.md", "b.txt", "docs/c.md", "docs/deep/d.md", "e.MD"]
    assert documents.select(paths, ["*.md"]) == ["a.md"]
    assert documents.select(paths, ["**/*.md"]) == ["a.md", "docs/c.md", "docs/deep/d.md"]
    assert documents.select(paths, ["docs/*.md", "b.txt"]) == ["b.txt", "docs/c.md"]
    assert documents.select(paths, ["./a.md"]) == ["a.md"]
    assert documents.select(paths, ["[ab].*"]) == ["a.md", "b.txt"]


def _local_leaf(repo, tmp_path, monkeypatch, files: dict[str, bytes], pattern: str = "*"):
    """A knowledge leaf over a local document directory holding `files`."""
    from labtax import leaves

    monkeypatch.setenv("LABTAX_CACHE_DIR", str(tmp_path / "cache"))
    for name, raw in files.items():
        target = repo / "documents/mixed" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(raw)
    path = repo / "taxonomy/knowledge/a/qna.yaml"
    text = sampleleaves.knowledge_yaml("x", sampleleaves.WATER_DOC, "documents/mixed", "local")
    projects.write(path, text.replace('"*.md"', f'"{pattern}"'))
    config = load_config(repo)
    return config, leaves.load_file(config, path)


def test_markdown_text_and_pdf_documents_are_read(repo, tmp_path, monkeypatch):
    pdf = pdfs.build_pdf([["Gutenberg printed with movable type."]])
    files = {"a.md": b"# A\n\nText.\n", "b.txt": b"Plain text.\n", "c.pdf": pdf}
    config, leaf = _local_leaf(repo, tmp_path, monkeypatch, files)
    read = asyncio.run(documents.DocumentStore(config).files(leaf))
    assert [(f.path, f.text) for f in read] == [
        ("a.md", "# A\n\nText.\n"),
        ("b.txt", "Plain text.\n"),
        ("c.pdf", "Gutenberg printed with movable type."),
    ]


@pytest.mark.parametrize(
    "case",
    [
        ("logo.png", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file"),
        ("notes.md", "caf\u00e9".encode("latin-1"), "not valid UTF-8"),
        ("scan.pdf", pdfs.build_pdf([[]]), "without a text layer"),
        ("locked.pdf", pdfs.encrypted(pdfs.build_pdf([["Secret."]]), "pw"), "encrypted PDF"),
        ("aes.pdf", pdfs.aes_encrypted(pdfs.build_pdf([["Secret."]])), "cryptography"),
        ("odd.pdf", pdfs.unsupported_filter(pdfs.build_pdf([["Odd."]])), "Unsupported filter"),
    ],
)
def test_an_unreadable_file_is_an_error_naming_the_leaf_and_the_file(
    repo, tmp_path, monkeypatch, case
):
    name, raw, problem = case
    files = {"good.md": b"# Good\n\nFine.\n", name: raw}
    config, leaf = _local_leaf(repo, tmp_path, monkeypatch, files)
    with pytest.raises(LabtaxError) as caught:
        asyncio.run(documents.DocumentStore(config).files(leaf))
    error = caught.value
    # Never silently dropped: the file, the problem and what to do, at the leaf's patterns.
    assert f"documents/mixed/{name}" in error.message
    assert problem in error.message
    assert error.hint
    assert error.location is not None
    assert error.location.path.endswith("knowledge/a/qna.yaml")
    assert error.location.line > 0


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

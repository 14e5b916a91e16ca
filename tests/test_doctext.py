"""The text of a document file: Markdown and plain text as UTF-8, PDFs through their text layer,
and an error saying what to do for anything else."""

from __future__ import annotations

import logging

import pytest

from labtax import doctext
from labtax.doctext import UnreadableDocument
from pdfs import aes_encrypted, build_pdf, encrypted, unsupported_filter

PAGES = [
    ["Honey bees live in colonies.", "The queen (one per colony) lays the eggs."],
    ["Drones mate."],
]


def test_text_files_are_utf8_without_a_byte_order_mark():
    assert doctext.document_text("a.md", b"# Bees\n\nThey fly.\n") == "# Bees\n\nThey fly.\n"
    assert doctext.document_text("a.txt", "\ufeffCaf\u00e9.".encode()) == "Caf\u00e9."


def test_a_pdfs_text_layer_is_read_page_after_page():
    text = doctext.document_text("bees.pdf", build_pdf(PAGES))
    assert text == (
        "Honey bees live in colonies.\nThe queen (one per colony) lays the eggs.\n\nDrones mate."
    )
    # Known by its content too, whatever its name.
    assert doctext.document_text("bees.bin", build_pdf(PAGES)) == text
    # Encrypted only to set permissions (an empty password opens it): read as any other.
    assert doctext.document_text("bees.pdf", encrypted(build_pdf(PAGES), "")) == text


@pytest.mark.parametrize(
    ("path", "raw", "problem", "hint"),
    [
        ("logo.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary file", "narrow document.patterns"),
        ("notes.txt", "caf\u00e9".encode("latin-1"), "not valid UTF-8", "iconv"),
        ("scan.pdf", build_pdf([[]]), "without a text layer", "OCR"),
        ("locked.pdf", encrypted(build_pdf(PAGES), "secret"), "encrypted PDF", "unencrypted"),
        ("broken.pdf", b"%PDF-1.4\nnot really a pdf", "not a readable PDF", "export"),
        # pypdf's DependencyError: AES needs the `cryptography` package.
        ("aes.pdf", aes_encrypted(build_pdf(PAGES)), "without an extra package", "cryptography"),
        # pypdf's NotImplementedError.
        ("odd.pdf", unsupported_filter(build_pdf(PAGES)), "Unsupported filter /Bogus", "export"),
        ("empty.md", b"  \n\n", "is empty", "add the document's text"),
    ],
)
def test_a_file_without_usable_text_says_what_and_what_to_do(path, raw, problem, hint):
    with pytest.raises(UnreadableDocument) as caught:
        doctext.document_text(path, raw)
    assert problem in caught.value.problem
    assert hint in caught.value.hint


def test_pypdfs_own_warnings_are_not_printed(caplog):
    # Printed to stderr (Python's last-resort handler), they read like a crash before labtax's
    # own error about the file.
    with caplog.at_level(logging.DEBUG), pytest.raises(UnreadableDocument):
        doctext.document_text("broken.pdf", b"%PDF-1.4\nnot really a pdf")
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == []

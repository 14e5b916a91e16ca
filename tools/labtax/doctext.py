"""The text of one knowledge document file: Markdown, plain text, or a PDF's text layer.

A file that cannot be read as one of these is an error, never silently dropped: a binary file, a
text file that is not UTF-8, a PDF that is encrypted, broken or has no text layer (a scan). The
error says what is wrong and what to do; the document store adds the leaf and the file it is
about. pypdf (the generation extra) is imported only when a PDF is read; whatever it raises for
a file it cannot read (damage, an encryption that needs the `cryptography` package, a filter it does
not implement) is such an error, and its logger's warnings about damaged files are not printed: the
error says it once.
"""

from __future__ import annotations

import io
import logging
import re

PDF_MAGIC = b"%PDF-"
# A page of extracted text needs some letters to count: scans often carry stray marks only.
_LETTERS = re.compile(r"[^\W\d_]{2,}")


class UnreadableDocument(Exception):  # noqa: N818 - a condition, like the dataset's DamagedData
    """A document file labtax cannot read as text: `problem` says why, `hint` what to do."""

    def __init__(self, problem: str, hint: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


def is_pdf(path: str, raw: bytes) -> bool:
    return path.lower().endswith(".pdf") or raw.startswith(PDF_MAGIC)


def document_text(path: str, raw: bytes) -> str:
    """The text of the document file `path` holding `raw`; `UnreadableDocument` when there is
    none labtax can use."""
    text = pdf_text(raw) if is_pdf(path, raw) else plain_text(raw)
    if not text.strip():
        raise UnreadableDocument(
            "is empty: it holds no text", "add the document's text, or narrow document.patterns"
        )
    return text


def plain_text(raw: bytes) -> str:
    """Markdown or plain text: UTF-8 (a byte-order mark is dropped), no NUL bytes."""
    if b"\x00" in raw:
        raise UnreadableDocument(
            "is a binary file, not Markdown, plain text or PDF",
            "convert it to Markdown or plain text, or narrow document.patterns to leave it out",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(
            f"is not valid UTF-8 text (byte {exc.start} cannot be decoded)",
            "convert it to UTF-8, e.g. `iconv -f latin1 -t utf-8`, and commit the result",
        ) from exc


def pdf_text(raw: bytes) -> str:
    """The text layer of a PDF, page after page (a blank line between pages)."""
    try:
        import pypdf
        from pypdf.errors import DependencyError
    except ImportError as exc:  # pragma: no cover - the generation extra installs it
        raise UnreadableDocument(
            "is a PDF, and reading PDFs needs pypdf",
            "install labtax with its generation extra: pip install 'labtax[teacher]'",
        ) from exc
    _quiet_pypdf()
    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        # Many PDFs are encrypted with an empty password only to set permissions.
        locked = reader.is_encrypted and not reader.decrypt("")
        pages = [] if locked else [page.extract_text() or "" for page in reader.pages]
    except DependencyError as exc:
        raise UnreadableDocument(
            f"is a PDF that pypdf cannot open without an extra package ({exc})",
            "install it (for AES-encrypted PDFs: pip install cryptography), or commit an"
            " unencrypted copy of the document, or its text as Markdown",
        ) from exc
    except Exception as exc:  # pypdf raises assorted types for files it cannot read
        # PyPdfError for damage, an unsupported-filter error for a codec pypdf lacks, and plain
        # ValueError, KeyError, TypeError, ... from deep inside a malformed file.
        raise UnreadableDocument(
            f"is not a readable PDF ({type(exc).__name__}: {exc})",
            "export the document to PDF again (e.g. print it to PDF), or commit its text as"
            " Markdown",
        ) from exc
    if locked:
        raise UnreadableDocument(
            "is an encrypted PDF that needs a password",
            "commit an unencrypted copy of the document, or its text as Markdown",
        )
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not _LETTERS.search(text):
        raise UnreadableDocument(
            "is a PDF without a text layer (a scanned or image-only document)",
            "run OCR on it first (e.g. `ocrmypdf in.pdf out.pdf`), or commit its text as Markdown",
        )
    return text


def _quiet_pypdf() -> None:
    """pypdf's logger silenced (for good: the process only reads PDFs through here): its messages
    about damaged files ("EOF marker not found", ...) would read like a crash before labtax's own
    error about the file, and a file it can read despite them needs no comment."""
    logging.getLogger("pypdf").setLevel(logging.CRITICAL + 1)

"""PDF files built in memory for the document-reading tests: text pages, a page with no text
layer (as a scan has), and encrypted copies (through pypdf)."""

from __future__ import annotations

import io


def _escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content(lines: list[str]) -> bytes:
    if not lines:
        # A filled rectangle: something on the page, no text.
        return b"0.5 g 72 72 200 200 re f"
    shown = " 0 -16 Td ".join(f"({_escape(line)}) Tj" for line in lines)
    return f"BT /F1 12 Tf 72 720 Td {shown} ET".encode("latin-1")


def build_pdf(pages: list[list[str]]) -> bytes:
    """A PDF with one page per entry, each page showing its lines in Helvetica (no lines: a page
    with a drawing and no text)."""
    count = len(pages)
    font = 3 + 2 * count
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{3 + 2 * i} 0 R".encode() for i in range(count))
        + f"] /Count {count} >>".encode(),
    ]
    for i, lines in enumerate(pages):
        stream = _content(lines)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1"
            f" {font} 0 R >> >> /Contents {4 + 2 * i} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def encrypted(pdf: bytes, user_password: str) -> bytes:
    """`pdf` encrypted (RC4, which pypdf does without extra packages); an empty user password
    opens it for reading, as many "protected" PDFs are."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")  # noqa: S106 - a test file
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def aes_encrypted(pdf: bytes) -> bytes:
    """`pdf` encrypted with AES and an empty user password, the way permission-only PDFs often
    are: pypdf needs the `cryptography` package to read it. Built from an RC4 copy whose
    encryption dictionary is rewritten (encrypting with AES would need that package here too)."""
    rc4 = encrypted(pdf, "")
    aes = (
        b"/V 4\n/R 4\n/CF << /StdCF << /CFM /AESV2 /AuthEvent /DocOpen /Length 16 >> >>"
        b" /StmF /StdCF /StrF /StdCF\n"
    )
    assert b"/V 2\n/R 3\n" in rc4  # the layout pypdf writes
    return rc4.replace(b"/V 2\n/R 3\n", aes, 1)


def unsupported_filter(pdf: bytes) -> bytes:
    """`pdf` with its first content stream under a filter no reader implements."""
    return pdf.replace(b"<< /Length", b"<< /Filter /Bogus /Length", 1)

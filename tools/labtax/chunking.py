"""Cutting a knowledge leaf's documents into chunks that follow their structure.

A Markdown document is read as headings, paragraphs and fenced code blocks; plain text (and the
text of a PDF) as paragraphs. Blocks are packed into chunks of about `size` tokens
(`util.estimate_tokens`): a chunk ends at a heading once it is at least half full, so chunks follow
the document's sections, and a block larger than a chunk is cut at sentence ends. When a chunk
ends inside a section, the next one repeats the last `overlap` tokens of it (whole sentences), so
a fact that straddles the cut is whole in one of them. Every chunk carries its heading trail (the
headings of the sections it sits in, outermost first), which starts its text as Markdown
headings: the teacher, and a sample grounded in the chunk, see which part of the document it is.
Chunks never span two files; their index runs over the leaf's files in path order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from labtax.util import CHARS_PER_TOKEN, estimate_tokens

# A chunk is never cut smaller than this, whatever the teacher's context leaves.
MIN_CHUNK_TOKENS = 128
# A chunk that reached this share of its size ends at the next heading.
SECTION_FILL = 0.5
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_KEEPS_LINES = re.compile(r"^(?: {4}|\t| {0,3}(?:[-*+]|\d+[.)])[ \t]| {0,3}[|>])")


@dataclass(frozen=True)
class SourceFile:
    """One selected document file: its path inside the document root and its text."""

    path: str
    text: str


@dataclass(frozen=True)
class Chunk:
    """A piece of a document small enough for one prompt: its file, its index among the leaf's
    chunks, its text (heading trail first) and the heading trail itself."""

    source: str
    index: int
    text: str
    headings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Block:
    """A heading (`level` 1-6, `text` its title) or a body block (`level` 0, its text)."""

    text: str
    level: int = 0


def chunk_room(context_tokens: int, answer_tokens: int, prompt_tokens: int) -> int:
    """Tokens of a teacher's context left for a chunk once the answer and the rest of the
    prompt are reserved (may be below MIN_CHUNK_TOKENS: the caller decides what that means)."""
    return context_tokens - answer_tokens - prompt_tokens


def chunk(
    files: Sequence[SourceFile], size: int, overlap: int = 0, *, first_index: int = 0
) -> list[Chunk]:
    """The files' chunks of at most about `size` tokens, each file cut on its own."""
    out: list[Chunk] = []
    for source in files:
        read = markdown_blocks if is_markdown(source.path) else text_blocks
        blocks = read(source.text)
        fitted = max(MIN_CHUNK_TOKENS, size)
        packer = _Packer(source.path, fitted, min(max(0, overlap), fitted // 2))
        for found in packer.pack(blocks):
            out.append(Chunk(found.source, first_index + len(out), found.text, found.headings))
    return out


def is_markdown(path: str) -> bool:
    return path.lower().endswith(MARKDOWN_SUFFIXES)


def text_blocks(text: str) -> list[_Block]:
    """Plain text as paragraphs (blank-line separated), each on one line."""
    return [_Block(unwrap(p.strip())) for p in _PARAGRAPH_BREAK.split(text) if p.strip()]


def unwrap(paragraph: str) -> str:
    """A paragraph's lines joined into one, as Markdown reads a soft line break; lists, tables,
    quotes and indented code keep their lines."""
    lines = paragraph.splitlines()
    if any(_KEEPS_LINES.match(line) for line in lines[1:]) or _KEEPS_LINES.match(lines[0]):
        return paragraph
    return " ".join(line.strip() for line in lines)


def markdown_blocks(text: str) -> list[_Block]:
    """Markdown as headings (ATX `#` and setext underlines), paragraphs and fenced code blocks
    (kept whole: a blank line inside a fence does not end it)."""
    blocks: list[_Block] = []
    lines: list[str] = []
    fence: str | None = None

    def flush() -> None:
        if lines:
            body = "\n".join(lines).strip()
            if body:
                blocks.append(_Block(body if fence is not None else unwrap(body)))
            lines.clear()

    for line in text.splitlines():
        if fence is not None:
            lines.append(line)
            if line.strip().startswith(fence):
                flush()
                fence = None
            continue
        opened = _FENCE.match(line)
        if opened:
            flush()
            fence = opened.group(1)[0] * 3
            lines.append(line)
            continue
        heading = _ATX.match(line)
        if heading:
            flush()
            blocks.append(_Block(heading.group(2).strip(), len(heading.group(1))))
            continue
        underline = _SETEXT.match(line)
        if underline and len(lines) == 1 and lines[0].strip():
            level = 1 if underline.group(1).startswith("=") else 2
            blocks.append(_Block(lines[0].strip(), level))
            lines.clear()
            continue
        if not line.strip():
            flush()
            continue
        lines.append(line)
    flush()
    return blocks


class _Packer:
    """Packs one file's blocks into chunks, keeping the heading trail as it goes."""

    def __init__(self, source: str, size: int, overlap: int) -> None:
        self.source = source
        self.size = size
        self.overlap = overlap
        self.trail: list[tuple[int, str]] = []
        self.done: list[Chunk] = []
        self.opening: tuple[tuple[int, str], ...] = ()  # the trail the current chunk starts in
        self.parts: list[_Block] = []
        self.path: tuple[str, ...] = ()  # the trail of the chunk's first body block

    @property
    def has_body(self) -> bool:
        return any(not part.level for part in self.parts)

    def pack(self, blocks: Sequence[_Block]) -> list[Chunk]:
        for block in blocks:
            if block.level:
                self._heading(block)
            else:
                # Room for the overlap a continuing chunk starts with.
                for piece in _fit(block.text, self.size - self.overlap):
                    self._body(piece)
        self._close()
        return self.done

    def _heading(self, block: _Block) -> None:
        if self.has_body and self._tokens() >= SECTION_FILL * self.size:
            self._close()
        self.trail = [(level, title) for level, title in self.trail if level < block.level]
        if not self.parts:
            self.opening = tuple(self.trail)
        self.trail.append((block.level, block.text))
        self.parts.append(block)

    def _body(self, piece: str) -> None:
        if self.has_body and self._tokens(piece) > self.size:
            # Headings waiting for their first paragraph move on with it.
            waiting: list[_Block] = []
            while self.parts and self.parts[-1].level:
                waiting.insert(0, self.parts.pop())
            carried = "" if waiting else self._tail()
            self._close()
            self.opening = tuple(self.trail[: len(self.trail) - len(waiting)])
            self.parts = waiting
            if carried:
                self.parts.append(_Block(carried))
        if not self.parts:
            self.opening = tuple(self.trail)
        if not self.has_body:
            self.path = tuple(title for _, title in self.trail)
        self.parts.append(_Block(piece))

    def _tokens(self, extra: str = "") -> int:
        parts = [*self.parts, _Block(extra)] if extra else self.parts
        return estimate_tokens(self._text(parts))

    def _text(self, parts: Sequence[_Block]) -> str:
        heads = [_Block(title, level) for level, title in self.opening]
        return "\n\n".join(_markdown(part) for part in [*heads, *parts])

    def _tail(self) -> str:
        """The last whole sentences of the chunk so far, up to `overlap` tokens."""
        if not self.overlap or not self.parts:
            return ""
        kept: list[str] = []
        for sentence in reversed(_SENTENCE_END.split(self.parts[-1].text)):
            if estimate_tokens(" ".join([sentence, *kept])) > self.overlap:
                break
            kept.insert(0, sentence)
        return " ".join(kept)

    def _close(self) -> None:
        if self.has_body:
            text = self._text(self.parts)
            self.done.append(Chunk(self.source, len(self.done), text, self.path))
        self.parts = []


def _markdown(block: _Block) -> str:
    return f"{'#' * block.level} {block.text}" if block.level else block.text


def _fit(paragraph: str, size: int) -> list[str]:
    """A block longer than `size` tokens cut at sentence ends, then at spaces, then anywhere."""
    if estimate_tokens(paragraph) <= size:
        return [paragraph]
    limit = size * CHARS_PER_TOKEN
    parts: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(paragraph):
        for piece in _hard_split(sentence, limit):
            if current and len(current) + 1 + len(piece) > limit:
                parts.append(current)
                current = piece
            else:
                current = f"{current} {piece}" if current else piece
    if current:
        parts.append(current)
    return parts


def _hard_split(text: str, limit: int) -> list[str]:
    out = []
    while len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        cut = cut if cut > 0 else limit
        out.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        out.append(text)
    return out


def full_text(files: Sequence[SourceFile]) -> str:
    """All document text, for filters that allow strings appearing in the leaf's documents."""
    return "\n\n".join(f.text for f in files)

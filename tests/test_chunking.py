"""Chunking follows a document's structure: headings and paragraphs, sizes in tokens, overlap
inside a section, a heading trail with every chunk, never across files."""

from __future__ import annotations

import itertools

import sampleleaves
from labtax import chunking
from labtax.chunking import SourceFile, chunk, markdown_blocks, text_blocks
from labtax.util import estimate_tokens


def _section(title: str, sentences: int, level: int = 2) -> str:
    body = " ".join(
        f"{title} fact number {i} is stated in this sentence." for i in range(sentences)
    )
    return f"{'#' * level} {title}\n\n{body}\n"


def test_markdown_is_read_as_headings_paragraphs_and_whole_code_blocks():
    text = (
        "# Title\n\nA paragraph\nwrapped over lines.\n\n- a list\n- kept as lines\n\n"
        "```python\nx = 1\n\ny = 2\n```\n\nSetext heading\n---\n\n|a|b|\n|-|-|\n"
    )
    blocks = [(b.level, b.text) for b in markdown_blocks(text)]
    assert blocks == [
        (1, "Title"),
        (0, "A paragraph wrapped over lines."),
        (0, "- a list\n- kept as lines"),
        (0, "```python\nx = 1\n\ny = 2\n```"),
        (2, "Setext heading"),
        (0, "|a|b|\n|-|-|"),
    ]
    assert [b.text for b in text_blocks("One\nline.\n\n\nTwo.")] == ["One line.", "Two."]


def test_chunks_end_at_headings_once_half_full_and_carry_their_heading_trail():
    doc = "# Rivers\n\nIntro sentence about rivers.\n\n" + "\n".join(
        _section(name, 12) for name in ("Sources", "Deltas", "Floods")
    )
    chunks = chunk([SourceFile("rivers.md", doc)], 200)
    assert [c.headings for c in chunks] == [
        ("Rivers",),
        ("Rivers", "Deltas"),
        ("Rivers", "Floods"),
    ]
    # The trail starts each chunk's text as Markdown headings, so the teacher sees where it is.
    assert chunks[1].text.startswith("# Rivers\n\n## Deltas\n\nDeltas fact number 0")
    assert chunks[0].text.startswith("# Rivers\n\nIntro sentence")
    assert "## Sources" in chunks[0].text
    assert [c.index for c in chunks] == [0, 1, 2]


def test_a_long_section_is_cut_at_sentences_with_overlap_and_keeps_its_trail():
    doc = "# Rivers\n\n" + _section("Floods", 60)
    chunks = chunk([SourceFile("rivers.md", doc)], 128, overlap=24)
    assert len(chunks) > 2
    for before, after in itertools.pairwise(chunks):
        assert after.headings == ("Rivers", "Floods")
        assert after.text.startswith("# Rivers\n\n## Floods\n\n")
        # The next chunk repeats the last sentence(s) of the one before.
        last = before.text.rsplit(". ", 1)[-1]
        assert last in after.text
        assert estimate_tokens(before.text) <= 128 + 24
    # Apart from the overlap and the trail, no text is lost or reordered.
    facts = [f"Floods fact number {i} is" for i in range(60)]
    assert all(any(f in c.text for c in chunks) for f in facts)


def test_without_overlap_the_chunks_hold_the_text_once():
    files = [
        SourceFile("w.md", sampleleaves.WATER_DOC),
        SourceFile("p.md", sampleleaves.PRESS_DOC),
    ]
    chunks = chunk(files, chunking.MIN_CHUNK_TOKENS)
    assert {c.source for c in chunks} == {"w.md", "p.md"}
    for source in files:
        own = [c.text for c in chunks if c.source == source.path]
        heading = source.text.splitlines()[0]
        body = " ".join(t.replace(heading, "", 1) for t in own)
        assert " ".join(body.split()) == " ".join(source.text.replace(heading, "", 1).split())
    # Big enough, each file is one chunk: chunks never span two files.
    assert [c.source for c in chunk(files, 10_000)] == ["w.md", "p.md"]


def test_plain_text_is_chunked_by_paragraphs_and_a_huge_paragraph_by_sentences():
    words = "word " * 2000
    parts = chunk([SourceFile("l.txt", words)], chunking.MIN_CHUNK_TOKENS)
    assert all(estimate_tokens(c.text) <= chunking.MIN_CHUNK_TOKENS for c in parts)
    assert sum(len(c.text.split()) for c in parts) == 2000
    assert {c.headings for c in parts} == {()}


def test_a_size_below_the_minimum_is_raised_to_it_and_indexes_can_start_later():
    small = chunk([SourceFile("w.md", sampleleaves.WATER_DOC)], 1)
    assert small == chunk([SourceFile("w.md", sampleleaves.WATER_DOC)], chunking.MIN_CHUNK_TOKENS)
    later = chunk([SourceFile("w.md", sampleleaves.WATER_DOC)], 10_000, first_index=4)
    assert [c.index for c in later] == [4]


def test_the_room_for_a_chunk_is_the_context_less_answer_and_prompt():
    assert chunking.chunk_room(8192, 1024, 2000) == 5168
    assert chunking.chunk_room(2048, 1024, 4000) < 0


def test_a_heading_never_ends_a_chunk_without_its_first_paragraph():
    doc = "# Rivers\n\n" + "Opening words about rivers. " * 20 + "\n\n" + _section("Floods", 12)
    chunks = chunk([SourceFile("rivers.md", doc)], 180)
    assert len(chunks) == 2
    assert not chunks[0].text.rstrip().endswith("## Floods")
    assert chunks[1].text.startswith("# Rivers\n\n## Floods\n\nFloods fact number 0")
    assert chunks[1].headings == ("Rivers", "Floods")

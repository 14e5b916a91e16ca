"""Block scalar text and a file's meaning, for edits that keep it."""

from __future__ import annotations

import pytest
import yaml

from labtax import blockscalars

LEAF = """\
seed_examples:
  - question: q
    answer: |
      def f():
      \treturn 1
    note: >-
      folded

  - question: r
last: |
  end"""


def test_block_lines_of_a_text_that_parses_come_from_the_scanner() -> None:
    blocks = blockscalars.block_scalars(LEAF)
    assert [(b.header_line, b.indicator_col, b.flags) for b in blocks] == [
        (3, 12, ""),
        (6, 10, "-"),
        (10, 6, ""),
    ]
    assert blockscalars.block_lines(LEAF) == {4, 5, 7, 8, 11}


def test_a_broken_text_is_read_line_by_line_by_indentation() -> None:
    broken = LEAF.replace("  - question: r", "\t- question: r")
    assert blockscalars.meaning(broken) is None
    # The tab-indented line ends the block before it; the tab inside the answer stays content.
    assert blockscalars.block_lines(broken) == {4, 5, 7, 11}
    assert blockscalars.indentation_tabs(broken) == [(9, 1)]


def test_headers_need_a_key_a_dash_or_a_document_start() -> None:
    text = "a: b |\n  c\nd:\n  - |\n    e\n--- >\n f\n"
    broken = text + "\tbad: [\n"
    assert blockscalars.meaning(broken) is None
    assert blockscalars.block_lines(broken) == {5, 7}


def test_tab_lines_finds_the_first_tab_of_each_indentation() -> None:
    text = "a:\n\tb: 1\n  \tc: 2\nd: x\ty\n \t \te: 3\n"
    assert blockscalars.tab_lines(text) == [(2, 1), (3, 3), (5, 2)]
    assert blockscalars.tab_lines("a: 1\nb: '\t'\n") == []


def test_a_text_that_parses_has_no_indentation_tabs_even_when_it_does_not_load() -> None:
    duplicate_key = "a: |\n  \tcode\na: 2\n"
    assert blockscalars.meaning(duplicate_key) is not None
    assert blockscalars.indentation_tabs(duplicate_key) == []


def test_trailing_whitespace_is_text_only_where_removing_it_changes_a_value() -> None:
    text = "a: |\n  kept  \n\n  x\nb: plain  \n  folded  \nc: |\n  last\n  \nd: |\n  x\n   \n"
    # Line 9 is an empty line of a clipped scalar; line 12 holds a space beyond the indentation.
    assert blockscalars.text_trailing_lines(text) == {2, 12}
    # Unparseable: every block line with trailing whitespace is kept, nothing can be checked.
    assert blockscalars.text_trailing_lines("a: |\n  x  \n\tb: [\n") == {2}


def test_meaning_ignores_layout_and_sees_values() -> None:
    assert blockscalars.meaning("a:   1\nb: [x,  y]\n") == blockscalars.meaning("a: 1\nb: [x, y]\n")
    assert blockscalars.meaning("a: |\n  x\n") != blockscalars.meaning("a: |\n  x  \n")
    assert blockscalars.meaning("a: |\n  x") != blockscalars.meaning("a: |\n  x\n")
    assert blockscalars.meaning("a: |-\n  x\n") == blockscalars.meaning("a: |\n  x")


def test_a_text_too_deep_for_libyaml_is_not_read_again_in_python(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def slow(*args: object, **kwargs: object) -> None:
        raise AssertionError("the Python reader was tried")

    monkeypatch.setattr(yaml, "SafeLoader", slow)
    deep = "q: " + "[" * 5000 + "]" * 5000 + "\na: |\n  boats find the harbor   \n"
    assert blockscalars.meaning(deep) is None
    # Read line by line, as any text that does not parse: the whitespace counts as text.
    assert blockscalars.text_trailing_lines(deep) == {3}


def _seeds(count: int) -> str:
    """A leaf whose every seed has trailing whitespace: in its question (layout), on both lines of
    its `|` answer (text) and on the blank line between them (indentation only)."""
    out = ["version: 3", "created_by: x", "task_description: t", "seed_examples:"]
    for i in range(count):
        out += [f"  - question: q{i} ", "    answer: |", f"      line {i} ", " " * 6]
        out.append(f"      more {i}\t")
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("count", [1, 10, 300])
def test_text_trailing_lines_reads_a_file_a_constant_number_of_times(
    monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    reads: list[object] = []
    real = blockscalars._read

    def counting(read: object, text: str) -> object:
        reads.append(read)
        return real(read, text)  # type: ignore[arg-type]

    monkeypatch.setattr(blockscalars, "_read", counting)
    found = blockscalars.text_trailing_lines(_seeds(count))
    assert found == {n for i in range(count) for n in (7 + 5 * i, 9 + 5 * i)}
    # One scan, the meaning of the text, and one check of the prediction with the rest stripped.
    assert len(reads) == 3


def test_a_blank_line_is_text_only_beyond_the_block_indentation() -> None:
    text = "a: |\n  x\n  \n   \n  \t\n  y\nb: >\n  folded  \n  \n  z\n"
    assert blockscalars.text_trailing_lines(text) == {4, 5, 8}


def test_with_an_indentation_indicator_every_line_counts() -> None:
    # The indicator is relative to the parent's indentation, which the block alone does not tell.
    assert blockscalars.text_trailing_lines("a: |2\n    x  \n  \n") == {2, 3}


def test_a_prediction_the_check_refutes_keeps_every_candidate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(blockscalars, "_text_lines", lambda block, lines: iter(()))
    text = "a: |\n  kept  \n  \n  x\n"
    assert blockscalars.text_trailing_lines(text) == {2, 3}

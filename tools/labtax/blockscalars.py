"""Where a YAML text holds block scalar content, and what a text means, for edits that keep it.

Inside a block scalar (`|`, `>`) tabs and trailing spaces are text: an answer's code keeps its
tabs. `labtax fix` and the whitespace rules must tell those lines apart from the YAML around them.
A text that scans is read exactly, with PyYAML's scanner; a broken one (where fixing tabs matters
most) line by line, following the indentation rules of block scalars.

`meaning` is what must not change when a file is repaired: its parse events (every scalar as it
parses, after folding and chomping, and the structure around them), without positions.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import yaml

from labtax import yamldoc

# A block scalar header at the end of a line: `|` or `>`, its chomping and indentation indicators,
# and an optional comment.
_HEADER = re.compile(r"(?:^|(?<=[ \t]))(?P<indicator>[|>])(?P<flags>[-+1-9]{0,2})[ \t]*(?:#.*)?$")
_ITEM = re.compile(r"^( *)((?:- +)*)")
_LF = re.compile("\n")

T = TypeVar("T")
Meaning = tuple[tuple[str, object, object, object], ...]


@dataclass(frozen=True)
class BlockScalar:
    """One block scalar: the 1-based line of its header, where its indicator is, its content."""

    header_line: int
    indicator_col: int  # 0-based column of `|` or `>`
    flags: str  # chomping and indentation indicators as written, e.g. "-", "+2", ""
    lines: frozenset[int]  # 1-based lines of content (blank lines inside it included)


def _read(read: Callable[..., Iterator[T]], text: str) -> list[T] | None:
    """`read(text)` (yaml.scan or yaml.parse) with libyaml, else with PyYAML's Python reader,
    which accepts a few documents libyaml rejects; None when neither reads it. The retry is the
    one `yamldoc.parse` makes and no other: after a depth error the Python reader would take
    minutes on what libyaml refuses at once."""
    try:
        return list(read(text, Loader=yaml.CSafeLoader))
    except yaml.MarkedYAMLError as exc:
        if not yamldoc.python_retry_allowed(text, yamldoc.syntax_problem(exc)):
            return None
    except yaml.YAMLError:
        return None
    try:
        return list(read(text, Loader=yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError):
        return None


def meaning(text: str) -> Meaning | None:
    """The parse events of `text` without their positions: every scalar's value (as it parses,
    after folding and chomping), style and tag, and the structure around them. None when `text`
    does not parse as YAML."""
    events = _read(yaml.parse, text)
    if events is None:
        return None
    return tuple(
        (
            type(event).__name__,
            getattr(event, "value", None),
            getattr(event, "tag", None),
            getattr(event, "style", None),
        )
        for event in events
    )


def block_scalars(text: str) -> tuple[BlockScalar, ...]:
    """Every block scalar of `text`: exactly when it scans, else found line by line."""
    tokens = _read(yaml.scan, text)
    if tokens is None:
        return _by_lines(text)
    found = []
    # Offsets of every "\n", searched rather than counted per block: counting from the start of
    # the text for each block scalar would cost time quadratic in the file's size.
    breaks = [match.start() for match in _LF.finditer(text)]
    for token in tokens:
        if isinstance(token, yaml.ScalarToken) and token.style in {"|", ">"}:
            # Lines counted by "\n" as everyone else counts them (YAML also breaks lines at a
            # lone CR and a few Unicode separators, so its own line numbers can differ).
            start, end = token.start_mark.index, token.end_mark.index
            line_start = text.rfind("\n", 0, start) + 1
            header_line = bisect_left(breaks, start) + 1
            last = bisect_left(breaks, end) + (0 if end == 0 or text[end - 1] == "\n" else 1)
            match = _HEADER.search(text[line_start : _line_end(text, start)], start - line_start)
            flags = match.group("flags") if match else ""
            content = frozenset(range(header_line + 1, last + 1))
            found.append(BlockScalar(header_line, start - line_start, flags, content))
    return tuple(found)


def _line_end(text: str, index: int) -> int:
    end = text.find("\n", index)
    return len(text) if end < 0 else end


def block_lines(text: str) -> frozenset[int]:
    """The 1-based lines holding block scalar content."""
    return frozenset(n for block in block_scalars(text) for n in block.lines)


def text_trailing_lines(text: str) -> frozenset[int]:
    """The 1-based lines whose trailing spaces or tabs are part of a value: removing them would
    change what the file means (block scalar text). In a text that does not scan, every block
    scalar line counts, since nothing can be checked.

    Which lines hold text follows from each block's indentation (`_text_lines`); one more parse,
    with every other candidate stripped, checks that prediction for the whole file at once. When
    it fails every candidate counts, as in a text that does not parse: a constant number of parses
    per file, however many lines end in whitespace.
    """
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    blocks = block_scalars(text)
    candidates = frozenset(
        n for block in blocks for n in block.lines if lines[n - 1] != lines[n - 1].rstrip(" \t")
    )
    before = meaning(text) if candidates else None
    if before is None:
        return candidates
    kept = candidates & frozenset(n for block in blocks for n in _text_lines(block, lines))
    free = candidates - kept
    if not free:
        return kept
    edited = [line.rstrip(" \t") if n in free else line for n, line in enumerate(lines, start=1)]
    return kept if meaning("\n".join(edited)) == before else candidates


def _text_lines(block: BlockScalar, lines: list[str]) -> Iterator[int]:
    """The lines of `block` whose trailing whitespace is text by YAML's rules: a line with text
    keeps everything after its indentation, folded or not; a blank line only what lies beyond the
    block's indentation. With an indentation indicator the parent's indentation is not known
    here, so every line counts."""
    filled = [_spaces(lines[n - 1]) for n in block.lines if lines[n - 1].strip(" \t")]
    if not filled or any(c.isdigit() for c in block.flags):
        yield from block.lines
        return
    indent = min(filled)
    for number in block.lines:
        line = lines[number - 1]
        if line.strip(" \t") or len(line) > indent:
            yield number


def tab_lines(text: str) -> list[tuple[int, int]]:
    """(line, col) of the first tab in the indentation of each line that has one."""
    found = []
    for number, line in enumerate(text.split("\n"), start=1):
        indent = len(line) - len(line.lstrip(" \t"))
        col = line.find("\t", 0, indent)
        if col >= 0:
            found.append((number, col + 1))
    return found


def indentation_tabs(text: str) -> list[tuple[int, int]]:
    """Tabs where YAML expects indentation: none in a text that scans (a tab there is text),
    else the tab-indented lines outside what reads as block scalar content."""
    tabbed = tab_lines(text)
    if not tabbed or meaning(text) is not None:
        return []
    protected = block_lines(text)
    return [(line, col) for line, col in tabbed if line not in protected]


def _by_lines(text: str) -> tuple[BlockScalar, ...]:
    """Block scalars of a text that does not scan, by their headers and indentation."""
    lines = text.split("\n")
    found: list[BlockScalar] = []
    number = 0
    while number < len(lines):
        header = _header(lines[number])
        header_line = number + 1
        number += 1
        if header is None:
            continue
        parent, col, flags = header
        digits = [int(c) for c in flags if c.isdigit()]
        indent = parent + digits[0] if digits else None  # else set by the first content line
        content: list[int] = []
        while number < len(lines):
            line = lines[number]
            if line.strip(" \t"):
                if indent is None and _spaces(line) > parent:
                    indent = _spaces(line)
                if indent is None or _spaces(line) < indent:
                    break
            content.append(number + 1)
            number += 1
        # Blank lines after the last content line belong to what follows.
        while content and not lines[content[-1] - 1].strip(" \t"):
            content.pop()
        found.append(BlockScalar(header_line, col, flags, frozenset(content)))
    return tuple(found)


def _header(line: str) -> tuple[int, int, str] | None:
    """(parent indentation, indicator column, flags) when `line` opens a block scalar."""
    match = _HEADER.search(line)
    if match is None:
        return None
    before = line[: match.start()].rstrip(" \t")
    item = _ITEM.match(line)
    assert item is not None  # noqa: S101 - the pattern matches any line
    key_col = len(item.group(1)) + len(item.group(2))
    if before.endswith(":"):
        parent = key_col
    elif before == "---":
        parent = -1
    elif before.endswith("-") and before.lstrip(" -") == "":
        parent = len(before) - 1
    else:
        return None
    return parent, match.start(), match.group("flags")


def _spaces(line: str) -> int:
    return len(line) - len(line.lstrip(" "))

"""Mechanical repairs of leaf files: trailing whitespace, final newline, CRLF, tab indentation.

A repair never changes what the file means. In a file that scans as YAML every edit is checked
against its tokens (`blockscalars.meaning`: each value as it parses), and an edit that would change
one is not made: trailing spaces and tabs inside a block scalar are text (an answer's code keeps
its tabs), and a missing final newline after a last `|` block is added together with the `-`
chomping indicator that keeps the value without it. Tabs are replaced only in a file that does not
scan (where YAML cannot have meant them), never inside what reads as block scalar content, using
the narrowest tab width that makes the file parse. A file YAML refuses as a whole (nesting too
deep) is left as it is: nothing could be checked. Fixing a fixed file changes nothing (line endings
become LF, lone CRs too; a file the repairs made parse gets a second, exact pass). Files are
rewritten atomically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

from labtax import blockscalars, util, yamldoc

TAB_WIDTHS = (2, 4, 8)
_BOM = b"\xef\xbb\xbf"
_CR = re.compile(r"\r\n?")


@dataclass(frozen=True)
class Fix:
    """What `fix_text` changed in one file (counts of lines affected) and what it left alone."""

    crlf: int = 0
    cr: int = 0  # lone CR line endings (YAML reads a CR as a line break)
    trailing: int = 0
    final_newline: bool = False
    tabs: int = 0
    tabs_unfixable: int = 0  # tab-indented lines left alone: no tab width made the file parse
    trailing_kept: int = 0  # trailing whitespace that is part of a value (block scalar text)
    final_newline_kept: bool = False  # adding it would change the last value
    chomping: bool = False  # the last block scalar got `-` so the final newline changes nothing
    refused: bool = False  # left unchanged: the repairs together would have changed a value
    unloadable: bool = False  # left unchanged: YAML refuses it as a whole (nesting too deep)

    @property
    def changed(self) -> bool:
        return bool(self.crlf or self.cr or self.trailing or self.final_newline or self.tabs)

    @property
    def left_alone(self) -> bool:
        """Whether something `validate` reports was not repaired (it needs a person)."""
        return bool(
            self.tabs_unfixable
            or self.trailing_kept
            or self.final_newline_kept
            or self.refused
            or self.unloadable
        )

    def describe(self) -> list[str]:
        parts = []
        if self.crlf:
            parts.append(f"converted {util.plural(self.crlf, 'CRLF line ending')} to LF")
        if self.cr:
            parts.append(f"converted {util.plural(self.cr, 'lone CR line ending')} to LF")
        if self.trailing:
            parts.append(f"removed trailing whitespace on {_lines(self.trailing)}")
        if self.final_newline:
            chomp = " (and marked the last block scalar `-`, so its text is unchanged)"
            parts.append("added the final newline" + (chomp if self.chomping else ""))
        if self.tabs:
            parts.append(f"replaced tab indentation on {_lines(self.tabs)}")
        if self.tabs_unfixable:
            parts.append(f"left tab indentation on {_lines(self.tabs_unfixable)}: fix it by hand")
        if self.trailing_kept:
            parts.append(
                f"left trailing whitespace on {_lines(self.trailing_kept)} inside block scalars: "
                "it is part of the text; remove it by hand if it is not meant"
            )
        if self.refused:
            parts.append("left unchanged: repairing it would change a value; fix it by hand")
        if self.unloadable:
            parts.append(
                "left unchanged: it does not load as YAML (see `labtax validate`), "
                "so no repair can be checked"
            )
        if self.final_newline_kept:
            parts.append(
                "left the final newline missing: adding it would change the last value; "
                "add it by hand"
            )
        return parts


def _lines(count: int) -> str:
    return util.plural(count, "line")


def fix_text(text: str) -> tuple[str, Fix]:
    """The repaired text and what changed; the text means the same as before. Fixing the result
    again changes nothing."""
    before = blockscalars.meaning(text)
    if before is None and _parses(text):
        # Refused as a whole (too deep), not for its syntax: no edit repairs that, and none can be
        # checked against what the file means, so the file is left as it is.
        return text, Fix(unloadable=True)
    fixed, fix = _repair(text, before)
    after = blockscalars.meaning(fixed) if before is None else None
    if after is not None:
        # The repaired file parses (its tabs replaced, or a whitespace-only line with a tab
        # emptied), which tells block scalar text from layout exactly: a second pass removes the
        # trailing whitespace the line-by-line reading had to keep.
        again, more = _repair(fixed, after)
        if not more.refused:
            trailing = fix.trailing + more.trailing
            fixed, fix = again, replace(fix, trailing=trailing, trailing_kept=more.trailing_kept)
    return fixed, fix


def _repair(text: str, before: blockscalars.Meaning | None) -> tuple[str, Fix]:
    """One pass of every repair over `text`, whose meaning is `before` (None: it does not parse)."""
    original = text
    crlf = text.count("\r\n")
    cr = text.count("\r") - crlf
    text = lf(text)
    protected = blockscalars.text_trailing_lines(text)
    lines = text.split("\n")
    trailing = kept = 0
    for number, line in enumerate(lines, start=1):
        stripped = line.rstrip(" \t")
        if stripped == line:
            continue
        if number in protected:
            kept += 1
            continue
        trailing += 1
        lines[number - 1] = stripped
    text = "\n".join(lines)
    final, chomping, final_kept = False, False, False
    if text and not text.endswith("\n"):
        text, final, chomping = _final_newline(text, before)
        final_kept = not final
    tabs = unfixable = 0
    if before is None:
        text, tabs, unfixable = _untab(text)
    elif blockscalars.meaning(text) != before:
        # Each edit above keeps every value by YAML's rules; this guard makes sure of it.
        return original, Fix(refused=True)
    return text, Fix(crlf, cr, trailing, final, tabs, unfixable, kept, final_kept, chomping)


def lf(text: str) -> str:
    """`text` with LF line endings only. YAML reads a lone CR as a line break too, so it becomes
    LF like CRLF: kept, it would meet the LF of CR CR LF, or one left by removing the spaces of
    CR space LF, and make a new CRLF for the next run to convert."""
    return _CR.sub("\n", text)


def _final_newline(text: str, before: blockscalars.Meaning | None) -> tuple[str, bool, bool]:
    """(text, added, chomping changed): the final newline, unless it would change a value."""
    added = text + "\n"
    if before is None or blockscalars.meaning(added) == before:
        return added, True, False
    blocks = blockscalars.block_scalars(text)
    last = blocks[-1] if blocks else None
    if last is not None and not any(c in last.flags for c in "+-"):
        # A clipped block scalar at the end of the file: `|` keeps one final line break, which
        # the file does not have; `|-` keeps none, whatever follows.
        lines = added.split("\n")
        at = last.indicator_col + 1
        header = lines[last.header_line - 1]
        lines[last.header_line - 1] = header[:at] + "-" + header[at:]
        chomped = "\n".join(lines)
        if blockscalars.meaning(chomped) == before:
            return chomped, True, True
    return text, False, False


def _untab(text: str) -> tuple[str, int, int]:
    protected = blockscalars.block_lines(text)
    tabbed = [line for line, _ in blockscalars.tab_lines(text) if line not in protected]
    if not tabbed or _parses(text):
        return text, 0, 0
    for width in TAB_WIDTHS:
        candidate = _expand(text, width, protected)
        if _parses(candidate):
            return candidate, len(tabbed), 0
    return text, 0, len(tabbed)


def _expand(text: str, width: int, protected: frozenset[int]) -> str:
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        if number in protected:
            out.append(line)
            continue
        body = line.lstrip(" \t")
        indent = line[: len(line) - len(body)]
        out.append(indent.expandtabs(width) + body)
    return "\n".join(out)


def _parses(text: str) -> bool:
    try:
        yamldoc.parse(text)
    except yamldoc.LoadProblem as problem:
        # Only YAML that does not scan or compose counts; a non-mapping, say, is not a tab problem.
        return problem.rule not in {"yaml-syntax"}
    return True


def fix_file(path: Path) -> Fix:
    """Repair `path` in place (atomically); unchanged files are not rewritten."""
    raw = path.read_bytes()
    bom = raw.startswith(_BOM)
    text = raw[len(_BOM) :].decode("utf-8") if bom else raw.decode("utf-8")
    fixed, fix = fix_text(text)
    if fix.changed:
        util.write_atomic(path, (_BOM if bom else b"") + fixed.encode("utf-8"))
    return fix

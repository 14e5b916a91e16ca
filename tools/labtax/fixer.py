"""Mechanical repairs of leaf files: trailing whitespace, final newline, CRLF, tab indentation.

Only those bytes change. Tabs are replaced only in a file that fails to parse (where YAML cannot
have meant them as text), using the narrowest tab width that makes the file parse; a file that
parses keeps its tabs, which are then text inside block scalars. Files are rewritten atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labtax import util, yamldoc
from labtax.rules.hygiene_tab import tab_lines

TAB_WIDTHS = (2, 4, 8)
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Fix:
    """What `fix_text` changed in one file (counts of lines affected)."""

    crlf: int = 0
    trailing: int = 0
    final_newline: bool = False
    tabs: int = 0
    tabs_unfixable: int = 0  # tab-indented lines left alone: no tab width made the file parse

    @property
    def changed(self) -> bool:
        return bool(self.crlf or self.trailing or self.final_newline or self.tabs)

    def describe(self) -> list[str]:
        parts = []
        if self.crlf:
            parts.append(f"converted {self.crlf} CRLF line ending(s) to LF")
        if self.trailing:
            parts.append(f"removed trailing whitespace on {self.trailing} line(s)")
        if self.final_newline:
            parts.append("added the final newline")
        if self.tabs:
            parts.append(f"replaced tab indentation on {self.tabs} line(s)")
        if self.tabs_unfixable:
            parts.append(f"left tab indentation on {self.tabs_unfixable} line(s): fix it by hand")
        return parts


def fix_text(text: str) -> tuple[str, Fix]:
    """The repaired text and what changed."""
    crlf = text.count("\r\n")
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    trailing = 0
    for index, line in enumerate(lines):
        stripped = line.rstrip(" \t")
        if stripped != line:
            trailing += 1
            lines[index] = stripped
    text = "\n".join(lines)
    final = bool(text) and not text.endswith("\n")
    if final:
        text += "\n"
    text, tabs, unfixable = _untab(text)
    return text, Fix(crlf, trailing, final, tabs, unfixable)


def _untab(text: str) -> tuple[str, int, int]:
    tabbed = tab_lines(text)
    if not tabbed or _parses(text):
        return text, 0, 0
    for width in TAB_WIDTHS:
        candidate = _expand(text, width)
        if _parses(candidate):
            return candidate, len(tabbed), 0
    return text, 0, len(tabbed)


def _expand(text: str, width: int) -> str:
    out = []
    for line in text.split("\n"):
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

"""Show untrusted text (leaf content, teacher output, refs) safely in GitHub markdown and terminals.

The approach is to put every untrusted value in a code context and nowhere else: a fenced block
for long text, a code span in markdown flow and tables, a `<code>` element inside HTML such as
`<summary>`. GitHub renders code literally: no HTML, no images, no autolinks, and its mention and
issue-reference filters skip text inside `pre`/`code`, so `@everyone` or `#123` there notifies no
one and links nothing. What code cannot neutralise is handled before: characters that change how
text reads without being visible (bidirectional overrides, zero-width characters, NUL and other
controls, lone surrogates) are shown as `\\u202e`-style escapes, and huge fields are truncated with
a note so a single answer cannot crowd out the rest of a report.

Plain-text reports (error messages, `path:line:col` findings) show each untrusted value on one line
(`one_line`), and `log_text` keeps any line from starting a GitHub Actions workflow command: the
runner reads every line of a step's output, and a line beginning with `::` (after blanks) is a
command such as `::add-mask::` or `::stop-commands::`, or a fake annotation.
"""

from __future__ import annotations

import re
import unicodedata

# Categories whose characters are replaced by a visible escape: controls, format characters
# (bidi overrides and isolates, zero-width joiners and spaces, BOM, ...), line/paragraph
# separators and surrogates (which JSON can smuggle in and UTF-8 cannot encode).
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_KEPT = frozenset("\n\t")
_BACKTICKS = re.compile(r"`+")
_HIDDEN_CACHE: dict[str, bool] = {}
# Entities are decoded inside HTML, so `@`, `#` and `:` read normally while giving no mention,
# reference or autolink filter a raw character to act on, even one that ignored the code element.
_HTML_ENTITIES = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#39;",
        "@": "&#64;",
        "#": "&#35;",
        ":": "&#58;",
    }
)


def _hidden(char: str) -> bool:
    known = _HIDDEN_CACHE.get(char)
    if known is None:
        known = char not in _KEPT and unicodedata.category(char) in _HIDDEN_CATEGORIES
        if len(_HIDDEN_CACHE) < 4096:
            _HIDDEN_CACHE[char] = known
    return known


def _escape_char(char: str) -> str:
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def escape_controls(text: str, *, keep_newlines: bool = True) -> str:
    """Show invisible and control characters as escapes like `\\u202e`; tabs (and newlines) stay."""
    if text.isprintable() and (keep_newlines or "\n" not in text):
        return text  # the common case: nothing to do, and no per-character walk
    out: list[str] = []
    for char in text:
        if char == "\n" and not keep_newlines:
            out.append("\\n")
        elif _hidden(char):
            out.append(_escape_char(char))
        else:
            out.append(char)
    return "".join(out)


def one_line(text: str) -> str:
    """`text` on a single line: line breaks and other controls are shown as `\\n`-style escapes."""
    return escape_controls(text, keep_newlines=False)


# The runner trims leading blanks, then treats `::name ...::` (and the older `##[name]`) as a
# command; `str.lstrip` removes at least the whitespace .NET's `TrimStart` does.
_COMMAND_STARTS = ("::", "##[")


def log_text(text: str) -> str:
    """`text` with a backslash before every line that a workflow runner would take for a command."""
    if "::" not in text and "##[" not in text:
        return text  # the common case: no line can start a command
    # splitlines breaks at \r as well as \n (and more), as the runner's line reader does.
    return "".join(
        f"\\{line}" if line.lstrip().startswith(_COMMAND_STARTS) else line
        for line in text.splitlines(keepends=True)
    )


def truncate(text: str, limit: int | None) -> str:
    """`text` cut to `limit` characters, with a note saying how much was left out."""
    if limit is None or len(text) <= limit:
        return text
    return f"{text[:limit]}\n… [truncated: {len(text) - limit:,} more characters]"


def longest_backtick_run(text: str) -> int:
    return max((len(m.group()) for m in _BACKTICKS.finditer(text)), default=0)


def fence(text: str, *, limit: int | None = None, info: str = "text") -> str:
    """A fenced code block showing `text` literally, whatever fences or HTML it contains."""
    body = escape_controls(truncate(text.replace("\r\n", "\n"), limit))
    ticks = "`" * max(3, longest_backtick_run(body) + 1)
    return f"{ticks}{info}\n{body}\n{ticks}"


def code_span(text: str, *, limit: int | None = 200) -> str:
    """An inline code span for short untrusted text; newlines are shown as `\\n`."""
    body = escape_controls(truncate(text, limit).replace("\r", ""), keep_newlines=False)
    if not body:
        return "` `"
    ticks = "`" * (longest_backtick_run(body) + 1)
    # A span starting or ending with a backtick needs padding, which GitHub strips again.
    pad = " " if body[0] in "` " or body[-1] in "` " else ""
    return f"{ticks}{pad}{body}{pad}{ticks}"


def html_code(text: str, *, limit: int | None = 200) -> str:
    """A `<code>` element for untrusted text inside raw HTML (e.g. a `<summary>` line)."""
    body = escape_controls(truncate(text, limit), keep_newlines=False)
    return f"<code>{body.translate(_HTML_ENTITIES)}</code>"


def terminal(text: str, *, limit: int | None = None) -> str:
    """Text safe to print to a terminal: no escape sequences, no invisible reordering."""
    return escape_controls(truncate(text, limit))


def name(text: str, *, limit: int | None = 200) -> str:
    """A one-line field (a leaf id, a path, a reason) safe for a terminal and a workflow log:
    line breaks are shown as escapes, so no line of it can start a workflow command."""
    return escape_controls(truncate(text, limit), keep_newlines=False)

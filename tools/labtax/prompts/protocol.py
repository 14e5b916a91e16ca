"""The prompt protocol on the wire: what a rendered request looks like, both ways.

A request is a system message whose first line is the stage header (`labtax-stage: <stage>`), and a
user message made of tagged sections (`<task>` ... `</task>`). This module writes both and reads
them back (a server such as the fake teacher recognises the stage and reads the sections), and says
whether a piece of generated text carries protocol markup that leaked from a prompt. The header is
written and recognised here and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

SECTIONS = (
    "task",
    "domain",
    "outline",
    "examples",
    "context",
    "document",
    "question",
    "answer",
    "reference",
    "count",
)

Message = dict[str, str]

_STAGE_MARKER = "labtax-stage:"
_OPEN_TAG = re.compile(r"<([a-z_]+)>")
# A section tag alone on its line is how a section starts or ends; inline mentions (a question
# about "the <answer> element") are ordinary text.
_SECTION_TAG_LINE = re.compile(rf"^[ \t]*</?({'|'.join(SECTIONS)})>[ \t]*$", re.MULTILINE)


def stage_header(stage: str) -> str:
    """The system message's first line, which names the stage."""
    return f"{_STAGE_MARKER} {stage}"


def stage_of(messages: Sequence[Message]) -> str | None:
    """The stage the first system message's header names, or None for a foreign request."""
    for message in messages:
        if message.get("role") == "system":
            first = str(message.get("content", "")).strip().splitlines()[:1]
            if first and first[0].startswith(_STAGE_MARKER):
                return first[0][len(_STAGE_MARKER) :].strip()
            return None
    return None


def section(name: str, content: str) -> str:
    """One tagged section, content trimmed of surrounding blank space."""
    return f"<{name}>\n{content.strip()}\n</{name}>"


def sections_of(messages: Sequence[Message]) -> dict[str, str]:
    """The top-level tagged sections of a request's user messages, by tag name."""
    user = "\n".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
    return read_sections(user)


def read_sections(text: str) -> dict[str, str]:
    """The top-level tagged sections of `text`; the first of two with the same name wins.

    The scan goes left to right and skips over a whole section once found, so tags quoted inside a
    section (a document about HTML, say) never shadow a later top-level section.
    """
    found: dict[str, str] = {}
    pos = 0
    while True:
        match = _OPEN_TAG.search(text, pos)
        if match is None:
            return found
        name = match.group(1)
        end = text.find(f"</{name}>", match.end())
        if end < 0:
            pos = match.end()
            continue
        found.setdefault(name, text[match.end() : end].strip())
        pos = end + len(name) + 3


def protocol_markup(text: str) -> str | None:
    """What protocol markup `text` carries (a section tag line, the stage header), or None.

    Generated text holding either has copied part of its prompt; the answer names the markup so
    a rejection can say what was found.
    """
    tag = _SECTION_TAG_LINE.search(text)
    if tag:
        return f"the prompt section tag {tag.group().strip()!r}"
    if _STAGE_MARKER in text:
        return f"the prompt header {_STAGE_MARKER!r}"
    return None

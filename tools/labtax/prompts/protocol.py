"""The prompt protocol on the wire: what a rendered request looks like, both ways.

A request is a system message (each stage's own fixed text, which is how a server such as the
fake teacher recognises the stage: `labtax.prompts.stage_of`) and a user message made of tagged
sections (`<task>` ... `</task>`). Nothing in a request is addressed to anyone but the model: no
header, no marker a model would read as an instruction. This module writes the sections and reads
them back, writes and reads the `<items>` a judge grades in one call, and says whether a piece of
generated text carries protocol markup that leaked from a prompt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

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
    "items",
    "count",
)

Message = dict[str, str]
# One item a judge grades: its number within the call and its fields (question, answer...).
Item = Mapping[str, Any]

# A section opens with its tag alone on a line and closes with the closing tag at a line start
# (as `section` writes them), so an instruction that mentions "<items>" inline opens nothing.
_OPEN_TAG = re.compile(r"^<([a-z_]+)>[ \t]*$", re.MULTILINE)
# A section tag alone on its line is how a section starts or ends; inline mentions (a question
# about "the <answer> element") are ordinary text.
_SECTION_TAG_LINE = re.compile(rf"^[ \t]*</?({'|'.join(SECTIONS)})>[ \t]*$", re.MULTILINE)


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
    section (a document about HTML, say) never shadow a later top-level section, and a tag
    mentioned inside a line of prose is not a section at all.
    """
    found: dict[str, str] = {}
    pos = 0
    while True:
        match = _OPEN_TAG.search(text, pos)
        if match is None:
            return found
        name = match.group(1)
        end = text.find(f"\n</{name}>", match.end())
        if end < 0:
            pos = match.end()
            continue
        found.setdefault(name, text[match.end() : end].strip())
        pos = end + len(name) + 4


def format_items(items: Sequence[Item]) -> str:
    """The items a judge grades in one call, as the `<items>` section holds them: a JSON list of
    objects, each with its `id` (1-based, its place in the call) first, one object a line.

    JSON rather than nested tags: any text (a document about HTML, a question quoting a tag) is
    escaped, so an item never breaks the section around it.
    """
    lines = [
        json.dumps({"id": number, **item}, ensure_ascii=False)
        for number, item in enumerate(items, 1)
    ]
    return "[\n" + ",\n".join(lines) + "\n]"


def read_items(text: str) -> list[dict[str, Any]]:
    """The items of an `<items>` section (what `format_items` wrote); [] when it holds none."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return []
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def protocol_markup(text: str) -> str | None:
    """The prompt section tag `text` carries alone on a line, or None.

    Generated text holding one has copied part of its prompt; the answer names the tag so a
    rejection can say what was found.
    """
    tag = _SECTION_TAG_LINE.search(text)
    if tag:
        return f"the prompt section tag {tag.group().strip()!r}"
    return None

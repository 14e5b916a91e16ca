"""Auxiliary knowledge data, as sdg_hub builds it: per chunk a detailed summary, an extractive
summary and a list of atomic facts.

Each is written by its own prompt stage from the chunk alone and becomes an instruction sample of
its form: the user turn is the chunk, a blank line, and an instruction chosen deterministically
(by the chunk's text) from a small list per form; the answer is the text. The knowledge pipeline
judges them for faithfulness to the chunk, in one call per chunk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from labtax.chunking import Chunk
from labtax.dataset.records import Form
from labtax.pipelines.pipeline import Reply
from labtax.prompts import Message, atomic_facts, detailed_summary, extractive_summary, render

FORMS: tuple[Form, ...] = ("detailed_summary", "extractive_summary", "atomic_facts")

INSTRUCTIONS: Mapping[Form, tuple[str, ...]] = MappingProxyType(
    {
        "detailed_summary": (
            "Summarise the passage above in detail.",
            "Write a detailed summary of the text above, covering every point it makes.",
            "Give a thorough summary of the passage above.",
            "Explain in detail what the passage above says.",
        ),
        "extractive_summary": (
            "Quote the sentences that best summarise the passage above.",
            "Write an extractive summary of the text above: its key sentences, word for word.",
            "Pick out the most important sentences of the passage above, unchanged.",
        ),
        "atomic_facts": (
            "List the facts the passage above states, one short statement each.",
            "Break the text above down into atomic facts.",
            "What are the individual facts in the passage above? List them.",
        ),
    }
)


@dataclass(frozen=True)
class Written:
    """An auxiliary text as written: its form and text, or why there is none (reason, detail)."""

    form: Form
    text: str
    failure: tuple[str, str] = ("", "")


def instruction(form: Form, passage: str) -> str:
    """The instruction of a `form` sample about `passage`: the same passage always gets the same
    one, and different passages get different ones of the list."""
    choices = INSTRUCTIONS[form]
    digest = hashlib.sha256(f"{form}\n{passage}".encode()).digest()
    return choices[int.from_bytes(digest[:8], "big") % len(choices)]


def request(form: Form, domain: str, chunk: Chunk, round_number: int) -> list[Message]:
    """The prompt writing `form` for `chunk`; a later round asks afresh (another request)."""
    retry = (
        ""
        if round_number == 1
        else f"\n\nThis is attempt {round_number} for this part: write it afresh."
    )
    return render(form, {"domain": domain or None, "document": chunk.text}, {"retry": retry})


def written(form: Form, reply: Reply) -> Written:
    """The auxiliary text an answer holds (facts as a list, one a line)."""
    if reply.failure:
        return Written(form, "", (reply.failure, reply.problem(f"the {form} answer")))
    if form == "atomic_facts":
        facts = atomic_facts.parse(reply.text)
        if facts is None:
            return Written(form, "", ("unparseable", reply.text))
        text = atomic_facts.as_text(facts)
    elif form == "detailed_summary":
        text = detailed_summary.parse(reply.text)
    else:
        text = extractive_summary.parse(reply.text)
    if not text:
        return Written(form, "", ("empty_answer", f"the {form} answer holds no text"))
    return Written(form, text)

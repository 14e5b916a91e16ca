"""`knowledge_qa`: question/answer pairs grounded in one part of a knowledge document.

Answer: `{"pairs": [{"question": str, "answer": str}, ...]}`.
"""

from __future__ import annotations

from labtax.prompts.parsing import extract_json
from labtax.prompts.templates import Stage

STAGE = Stage(
    "knowledge_qa",
    judge=False,
    sections=("examples", "document", "count"),
    optional=("domain", "outline"),
)


def parse(text: str) -> list[tuple[str, str]] | None:
    """The well-formed (question, answer) pairs, or None when the answer is unparseable.

    Malformed items are dropped, but a list left with none of its items is unparseable.
    """
    data = extract_json(text)
    pairs = data.get("pairs") if data is not None else None
    if not isinstance(pairs, list):
        return None
    out: list[tuple[str, str]] = []
    for item in pairs:
        if not isinstance(item, dict):
            continue
        question, answer = item.get("question"), item.get("answer")
        if isinstance(question, str) and isinstance(answer, str):
            out.append((question.strip(), answer.strip()))
    return out if out or not pairs else None

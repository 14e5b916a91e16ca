"""`grounded_contexts`: new contexts for a grounded skill, in the style of the seed ones.

Answer: `{"contexts": [str, ...]}`.
"""

from __future__ import annotations

from labtax.prompts.parsing import extract_json, string_list
from labtax.prompts.templates import Stage

STAGE = Stage("grounded_contexts", judge=False, sections=("task", "examples", "count"))


def parse(text: str) -> list[str] | None:
    """The non-empty contexts, or None when the answer is unparseable."""
    data = extract_json(text)
    return string_list(data.get("contexts")) if data is not None else None

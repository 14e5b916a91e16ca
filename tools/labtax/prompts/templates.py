"""Stages and their templates: loading `<stage>.txt` (package data), hashing it, rendering messages.

A template file holds the system message's text, a line `=== user ===`, then the user message.
The system message is fixed text, different for every stage, so a request's stage is known from
it alone (`labtax.prompts.stage_of`) and nothing else in the request has to name it. `$name`
placeholders in the user message are filled with whole tagged sections, and a section that does
not apply is left out with its line; other placeholders (batch numbers, phrases) come from
`extras`. A stage without markup (the student's prompt, which a student could echo) has its
sections filled in as plain text.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from labtax.leaves import SeedExample
from labtax.prompts.protocol import SECTIONS, Message, section

USER_MARKER = "=== user ==="


@dataclass(frozen=True)
class Stage:
    """One step of the prompt protocol: its name, its kind and the sections its prompt carries.

    `judge`: the stage judges or rates generated data rather than writing it (judges are asked at
    temperature 0 unless configured otherwise). `sections` are in every prompt of the stage,
    `optional` ones only when they apply (a grounded skill's context). `json_answer`: the teacher
    answers with a JSON object (else with plain text). `markup`: the prompt carries tagged
    sections (a student's prompt does not).
    """

    name: str
    judge: bool
    sections: tuple[str, ...]
    optional: tuple[str, ...] = ()
    json_answer: bool = True
    markup: bool = True

    def template_text(self) -> str:
        """The template: the text of `<name>.txt`."""
        return _template_text(self.name)

    def template_hash(self) -> str:
        """sha256 of the template text; recorded in each manifest so a prompt change shows."""
        return hashlib.sha256(self.template_text().encode("utf-8")).hexdigest()

    @property
    def system_text(self) -> str:
        """The system message every request of this stage carries, word for word."""
        return _parts(self.name)[0]

    def render(
        self, sections: Mapping[str, str | None], extras: Mapping[str, str] | None = None
    ) -> list[Message]:
        """System and user messages with the given sections (None or absent: left out).

        A section this stage does not carry, or a missing one it always carries, is a KeyError.
        """
        given = {name for name, content in sections.items() if content is not None}
        unknown = set(sections) - set(self.sections) - set(self.optional)
        missing = set(self.sections) - given
        if unknown or missing:
            problems = [f"unknown section(s) {', '.join(sorted(unknown))}"] if unknown else []
            problems += [f"missing section(s) {', '.join(sorted(missing))}"] if missing else []
            raise KeyError(f"prompt for stage {self.name!r}: {'; '.join(problems)}")
        system, user = _parts(self.name)
        text = user.template
        values: dict[str, str] = dict(extras or {})
        for name in SECTIONS:
            content = sections.get(name)
            if content is None:
                # Drop the placeholder's line and the blank line after it.
                text = text.replace(f"${name}\n\n", "").replace(f"${name}\n", "")
                values[name] = ""
            else:
                values[name] = section(name, content) if self.markup else content.strip()
        rendered = string.Template(text).substitute(values)
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": rendered.strip() + "\n"},
        ]


def format_examples(examples: Sequence[SeedExample]) -> str:
    """Seed examples as numbered plain-text blocks (no nested tags: sections stay unambiguous)."""
    blocks = []
    for number, example in enumerate(examples, 1):
        lines = [f"Example {number}"]
        if example.context is not None:
            lines.append(f"Context:\n{example.context.strip()}")
        for question, answer in example.pairs:
            lines.append(f"Question:\n{question.strip()}")
            lines.append(f"Answer:\n{answer.strip()}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


@cache
def _template_text(name: str) -> str:
    return resources.files("labtax.prompts").joinpath(f"{name}.txt").read_text(encoding="utf-8")


@cache
def _parts(name: str) -> tuple[str, string.Template]:
    system, marker, user = _template_text(name).partition(f"\n{USER_MARKER}\n")
    if not marker:
        raise ValueError(f"prompt template {name}.txt has no {USER_MARKER!r} line")
    return system.strip(), string.Template(user)

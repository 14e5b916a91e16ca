"""The rows of a training mix: one conversation each, the same columns in every file.

A row is `{"form", "id", "kind", "leaf", "length", "messages", "source"}`, keys sorted, one JSON
object per line (`line`). `messages` is the system prompt (unless it is empty), then the
conversation's turns as `{"content", "role"}` objects, which is the conversational shape TRL's
SFT trainer takes. `length` is `short` when the turns take at most the recipe's
`knowledge_short_tokens` (estimated; the system prompt does not count), else `long`: LAB tunes
knowledge on short samples first, then long ones. `source` says where the row comes from:

- `generated`: a sample of `generated/`; `id` is the sample's id, so every row can be found in
  `generated/<leaf>/samples.jsonl` (variants and repeated copies of one sample share it);
- `seed`: a human-written seed example of the leaf (always in `test`);
- `knowledge_replay`: a knowledge row replayed into the skills phase;
- `replay:<name>`: a row of an outside dataset the recipe replays (`leaf` is "" and `kind` is
  `replay`).

`form` is the sample's form (`instruction`, `grounded`, `knowledge_qa`, `detailed_summary`, ...)
or one of the knowledge variants the export makes of a `knowledge_qa` sample:
`knowledge_qa_grounded` (its chunk, a blank line, the question) and `knowledge_qa_raft` (RAFT
documents, then the question).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from labtax.dataset.records import Sample, sample_id, user_turn
from labtax.util import estimate_tokens

GENERATED = "generated"
SEED = "seed"
KNOWLEDGE_REPLAY = "knowledge_replay"
REPLAY_PREFIX = "replay:"
REPLAY_KIND = "replay"
CONVERSATION = "conversation"  # the form of an outside row
GROUNDED_VARIANT = "knowledge_qa_grounded"
RAFT_VARIANT = "knowledge_qa_raft"

# The phases of a mix, in training order, each a folder of OUT; the row files of each.
KNOWLEDGE = "knowledge"
SKILLS = "skills"
PHASES = (KNOWLEDGE, SKILLS)
TRAIN_FILE = "train.jsonl"
TEST_FILE = "test.jsonl"

# The columns of every row file, in the order the keys are written.
COLUMNS = ("form", "id", "kind", "leaf", "length", "messages", "source")
MESSAGES = "messages"  # the one column that is not a string: the conversation
SHORT = "short"
LONG = "long"

Turn = tuple[str, str]  # (role, content)


@dataclass(frozen=True)
class MixRow:
    """One conversation of the mix, before the system prompt is put in front of it."""

    leaf: str
    kind: str
    form: str
    source: str
    id: str
    turns: tuple[Turn, ...]

    @property
    def user_turns(self) -> tuple[str, ...]:
        return tuple(content for role, content in self.turns if role == "user")


def length_of(row: MixRow, short_tokens: int) -> str:
    """`short` when the row's turns take at most `short_tokens` tokens (estimated), else `long`."""
    tokens = sum(estimate_tokens(content) for _, content in row.turns)
    return SHORT if tokens <= short_tokens else LONG


def record(row: MixRow, system_prompt: str, short_tokens: int) -> dict[str, Any]:
    """The row as a JSON object, with the system prompt first (none when it is empty)."""
    system = [{"content": system_prompt, "role": "system"}] if system_prompt else []
    return {
        "form": row.form,
        "id": row.id,
        "kind": row.kind,
        "leaf": row.leaf,
        "length": length_of(row, short_tokens),
        "messages": [*system, *({"content": c, "role": r} for r, c in row.turns)],
        "source": row.source,
    }


def line(row: MixRow, system_prompt: str, short_tokens: int) -> str:
    """The row's line in a JSONL file, newline included."""
    text = json.dumps(record(row, system_prompt, short_tokens), sort_keys=True, ensure_ascii=False)
    return text + "\n"


_SOURCE_TAIL = '"source": ' + json.dumps(GENERATED) + "}\n"


def as_knowledge_replay(text: str) -> str:
    """A generated row's `line` as the same row replayed into the skills phase.

    `source` is the last key of a line (keys are sorted), so only its value changes.
    """
    if not text.endswith(_SOURCE_TAIL):
        raise ValueError("only a generated row's line can be replayed")
    return text[: -len(_SOURCE_TAIL)] + '"source": ' + json.dumps(KNOWLEDGE_REPLAY) + "}\n"


def sample_row(
    sample: Sample, *, form: str | None = None, user: str | None = None, source: str = GENERATED
) -> MixRow:
    """The row of a generated sample: its own user turn and form unless a variant gives them."""
    turn = sample.user_turn if user is None else user
    return MixRow(
        sample.leaf,
        sample.kind,
        form or sample.form,
        source,
        sample.id,
        (("user", turn), ("assistant", sample.answer)),
    )


def seed_row(
    leaf: str, kind: str, form: str, *, context: str, question: str, answer: str
) -> MixRow:
    """A seed example as a test row: the user turn the form makes of it (knowledge closed book),
    its id the one a sample of the same content would have."""
    return MixRow(
        leaf,
        kind,
        form,
        SEED,
        sample_id(leaf, form, context, question, answer),
        (("user", user_turn(form, context, question)), ("assistant", answer)),
    )

"""The held-out questions of a leaf: its seed examples, plus the `test` split of an export.

Seeds are asked as the leaf states them: a skill's with its context (grounded skills), knowledge
closed book (the question alone: the student must know the answer, not read it). An export
directory `OUT` holds `OUT/<phase>/test.jsonl`, one JSON object per line with `messages` (an
optional system turn, the user turn, the assistant turn), `leaf`, `kind`, `source`, `form` and
`id`; a row belongs to the leaf its `leaf` names, its user turn is the question and its last
assistant turn the reference. Rows that repeat a seed question are asked once.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from labtax.errors import LabtaxError, Location
from labtax.evaluation.records import HeldOutQuestion, LeafEvaluation
from labtax.export.rows import SEED, TEST_FILE
from labtax.leaves import Leaf, LeafKind

TEST = "test"  # the source of a question from the export's test split

HeldOut = Mapping[str, tuple[HeldOutQuestion, ...]]


def seed_questions(leaf: Leaf) -> tuple[HeldOutQuestion, ...]:
    """The leaf's seed examples as questions; knowledge ones without their context."""
    closed_book = leaf.kind is LeafKind.KNOWLEDGE
    return tuple(
        HeldOutQuestion(SEED, None if closed_book else context, question, answer)
        for context, question, answer in leaf.seed_pairs
    )


def held_out_questions(leaf: Leaf, held_out: HeldOut | None = None) -> tuple[HeldOutQuestion, ...]:
    """Seeds first, then the export's test rows for this leaf that ask something else."""
    seeds = seed_questions(leaf)
    asked = {(q.context, q.question) for q in seeds}
    extra = [
        q for q in (held_out or {}).get(leaf.leaf_id, ()) if (q.context, q.question) not in asked
    ]
    return (*seeds, *extra)


def outdated(evaluation: LeafEvaluation, leaf: Leaf, templates: Mapping[str, str]) -> bool:
    """Whether a stored evaluation no longer fits its leaf: the seed questions it asked are not
    the leaf's seeds now, or the evaluation templates changed. (An export's test rows are not
    compared: which export a run was given is not known afterwards.)"""
    asked = [o.asked for o in evaluation.outcomes if o.asked.source == SEED]
    return asked != list(seed_questions(leaf)) or dict(evaluation.templates) != dict(templates)


def load_held_out(out: Path, label: str, leaf_ids: Collection[str] | None = None) -> HeldOut:
    """The test rows under `out` by leaf (only `leaf_ids`, when given), each leaf's by row id.

    `label` is how errors name `out`. A directory the export did not write (no card with its
    marker, no recipe.yaml, no test split), or a row that is not what the export writes, is a
    located error: a slip like the export's parent directory never drops the test split silently.
    """
    missing = _not_an_export(out)
    if missing:
        raise LabtaxError(
            f"no export directory here to take the held-out test split from ({missing})",
            hint="pass --held-out the directory `labtax export OUT` wrote (its README.md card,"
            " recipe.yaml and <phase>/test.jsonl), or leave it out to ask the seed examples only",
            location=Location(label),
        )
    rows: dict[str, list[tuple[str, HeldOutQuestion]]] = defaultdict(list)
    for path in sorted(out.glob(f"*/{TEST_FILE}")):
        where = f"{label}/{path.parent.name}/{TEST_FILE}"
        for leaf, row_id, question in _rows(path, where):
            if leaf_ids is None or leaf in leaf_ids:
                rows[leaf].append((row_id, question))
    return {leaf: tuple(q for _, q in sorted(found)) for leaf, found in sorted(rows.items())}


def _not_an_export(out: Path) -> str:
    """What shows `out` is not a directory `labtax export` wrote; "" when it is one."""
    from labtax.export.output import CARD, is_export
    from labtax.export.recipe import RESOLVED_NAME
    from labtax.export.rows import PHASES

    if not out.is_dir():
        return "not a directory" if out.exists() else "it does not exist"
    if not is_export(out):
        return f"no {CARD} export card"
    if not (out / RESOLVED_NAME).is_file():
        return f"no {RESOLVED_NAME}"
    if not any((out / phase / TEST_FILE).is_file() for phase in PHASES):
        return f"no <phase>/{TEST_FILE}"
    return ""


def _rows(path: Path, where: str) -> list[tuple[str, str, HeldOutQuestion]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabtaxError(
            f"cannot read the export's test split: {exc}",
            hint="export again, or pass another --held-out directory",
            location=Location(where),
        ) from exc
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            found.append(_row(line, where, number))
    return found


def _row(line: str, where: str, number: int) -> tuple[str, str, HeldOutQuestion]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _bad(where, number, f"not JSON: {exc.msg}", exc.colno) from exc
    if not isinstance(data, dict):
        raise _bad(where, number, "a row must be a JSON object")
    leaf, row_id, messages = data.get("leaf"), data.get("id"), data.get("messages")
    if not isinstance(leaf, str) or not leaf:
        raise _bad(where, number, "the row has no `leaf` string")
    if not isinstance(row_id, str):
        raise _bad(where, number, "the row has no `id` string")
    question, reference = _turns(messages, where, number)
    return leaf, row_id, HeldOutQuestion(TEST, None, question, reference)


def _turns(messages: object, where: str, number: int) -> tuple[str, str]:
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise _bad(where, number, "`messages` must be a list of objects")
    turns: Sequence[dict[str, object]] = messages
    users = [m.get("content") for m in turns if m.get("role") == "user"]
    answers = [m.get("content") for m in turns if m.get("role") == "assistant"]
    if not users or not isinstance(users[0], str) or not users[0].strip():
        raise _bad(where, number, "the row has no user turn with text")
    if not answers or not isinstance(answers[-1], str) or not answers[-1].strip():
        raise _bad(where, number, "the row has no assistant turn with text")
    return users[0].strip(), answers[-1].strip()


def _bad(where: str, line: int, message: str, col: int = 1) -> LabtaxError:
    return LabtaxError(
        f"unexpected row in the export's test split: {message}",
        hint="export again: each line holds messages (user, assistant), leaf, kind, source and id",
        location=Location(where, line, col),
    )

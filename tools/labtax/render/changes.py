"""`labtax changed` output: one aligned line per change (text) or records (json)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from labtax import sanitize
from labtax.changes import Change, ChangeSet
from labtax.util import json_document, plural


def text(changes: ChangeSet) -> str:
    """`modified  taxonomy/x/qna.yaml  (inputs)`, one line per change, then the ignored files."""
    lines = [_line(change) for change in changes.changes]
    lines += [f"ignored   {_shown(item.path)}  ({_shown(item.reason)})" for item in changes.ignored]
    return "".join(f"{line}\n" for line in lines)


def summary(changes: ChangeSet) -> str:
    """One line for stderr, so the list on stdout stays easy to pipe."""
    leaves = plural(len(changes.changes), "changed leaf", "changed leaves")
    line = f"{leaves} against {changes.base} (merge base {changes.merge_base[:12]})"
    if changes.ignored:
        line += f", {len(changes.ignored)} ignored"
    return line


def _line(change: Change) -> str:
    reasons = f"({', '.join(change.reasons)})"
    if change.status == "renamed":
        similarity = "" if change.similarity is None else f" ({change.similarity}%)"
        old = _shown(change.old_path or "")
        return f"renamed   {_shown(change.path)} <- {old}{similarity}  {reasons}"
    return f"{change.status:<9} {_shown(change.path)}  {reasons}"


def _shown(path: str) -> str:
    # One line each, whatever a directory is named: no line of the list can start a workflow
    # command or move the terminal's cursor.
    return sanitize.name(path, limit=None)


def json_text(changes: ChangeSet) -> str:
    """A JSON document: base, merge base, head, changes (with `needs_generation`) and ignored."""
    document: dict[str, Any] = {
        "base": changes.base,
        "merge_base": changes.merge_base,
        "head": changes.head,
        "changes": [_record(change) for change in changes.changes],
        "ignored": [asdict(item) for item in changes.ignored],
    }
    return json_document(document, ascii_only=False)


def _record(change: Change) -> dict[str, Any]:
    record = asdict(change)
    record["reasons"] = list(change.reasons)
    record["needs_generation"] = change.needs_generation
    return record

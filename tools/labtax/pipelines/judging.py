"""Judges that grade several items in one call, each item with its own verdict.

Items that share their context (a leaf's questions, a chunk's pairs, a chunk's auxiliary texts)
are sent together, `batch` to a call, as the `<items>` section; the judge answers with a verdict
per item id. An item the answer has no valid verdict for is `unparseable`, never a pass; when the
whole answer is unusable every item of the call is, and a call cut at its length bound (or that
stayed empty) makes every item of it `truncated` (`empty`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from labtax.dataset.records import Call
from labtax.pipelines.pipeline import Caller, gather_all
from labtax.prompts import Item, format_items, render

V = TypeVar("V")

UNPARSEABLE = "unparseable"


@dataclass(frozen=True)
class Judged(Generic[V]):
    """One item's verdict (None when there is none), the call it came from, and why there is
    none: `(reason, detail)`."""

    verdict: V | None
    call: Call
    failure: tuple[str, str] = ("", "")


async def judge(
    caller: Caller,
    stage: str,
    sections: Mapping[str, str | None],
    items: Sequence[Item],
    *,
    parse: Callable[[str], Mapping[int, V] | None],
    batch: int,
    extras: Mapping[str, str] | None = None,
) -> list[Judged[V]]:
    """Every item's verdict, in item order, `batch` items to a call (calls run concurrently)."""
    groups = [list(items[i : i + batch]) for i in range(0, len(items), batch)]
    replies = await gather_all(
        caller.ask(stage, render(stage, {**sections, "items": format_items(group)}, extras))
        for group in groups
    )
    out: list[Judged[V]] = []
    for group, reply in zip(groups, replies, strict=True):
        if reply.failure:
            failed = (reply.failure, reply.problem(f"the {stage} answer"))
            out.extend(Judged(None, reply.call, failed) for _ in group)
            continue
        verdicts = parse(reply.text)
        for number in range(1, len(group) + 1):
            verdict = None if verdicts is None else verdicts.get(number)
            if verdict is not None:
                out.append(Judged(verdict, reply.call))
            elif verdicts is None:
                out.append(Judged(None, reply.call, (UNPARSEABLE, reply.text)))
            else:
                missing = f"no valid verdict for item {number} in: {reply.text}"
                out.append(Judged(None, reply.call, (UNPARSEABLE, missing)))
    return out

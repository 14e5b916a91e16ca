"""Judges grading several items per call: batches, a verdict per item id, and no verdict never
counting as a pass."""

from __future__ import annotations

import asyncio
import json

from labtax.dataset.records import Call
from labtax.pipelines.judging import Judged, judge
from labtax.pipelines.pipeline import Caller
from labtax.prompts import faithfulness, read_items, sections_of
from labtax.prompts.faithfulness import Faithfulness
from labtax.teacher import Completion


class Judge:
    """Answers each faithfulness call with `answer(ids)` and records the ids it was asked."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.asked: list[list[int]] = []

    async def complete(self, messages, *, stage, params=None):
        ids = [item["id"] for item in read_items(sections_of(messages)["items"])]
        self.asked.append(ids)
        text = self.answer(ids)
        if isinstance(text, Exception):
            raise text
        return Completion(text, 1, 1, None, False, f"key {len(self.asked)}")


def _judge(teacher, count, batch=3, truncation=()):
    items = [{"question": f"Q{i}?", "answer": f"A{i}."} for i in range(count)]
    caller = Caller(teacher, truncation=truncation)
    return asyncio.run(
        judge(
            caller, "faithfulness", {"document": "D."}, items, parse=faithfulness.parse, batch=batch
        )
    )


def _all_faithful(ids):
    return json.dumps({"verdicts": [{"id": i, "faithful": True} for i in reversed(ids)]})


def test_items_go_in_batches_and_each_gets_its_own_verdict_in_order():
    teacher = Judge(_all_faithful)
    judged = _judge(teacher, 7)
    assert teacher.asked == [[1, 2, 3], [1, 2, 3], [1]]
    assert [j.verdict for j in judged] == [Faithfulness("", True)] * 7
    assert [j.call for j in judged] == [
        Call("faithfulness", f"key {n}") for n in (1, 1, 1, 2, 2, 2, 3)
    ]
    assert _judge(Judge(_all_faithful), 0) == []


def test_an_item_without_a_verdict_is_unparseable_and_names_the_item():
    teacher = Judge(lambda ids: json.dumps({"verdicts": [{"id": 2, "faithful": False}]}))
    first, second, third = _judge(teacher, 3)
    assert second == Judged(Faithfulness("", False), Call("faithfulness", "key 1"))
    for missing, number in ((first, 1), (third, 3)):
        assert missing.verdict is None
        assert missing.failure[0] == "unparseable"
        assert f"no valid verdict for item {number}" in missing.failure[1]


def test_an_unusable_answer_leaves_every_item_of_its_call_unparseable():
    judged = _judge(Judge(lambda ids: "Looks faithful to me."), 2)
    assert [(j.verdict, j.failure) for j in judged] == [
        (None, ("unparseable", "Looks faithful to me."))
    ] * 2


class CutError(Exception):
    pass


def test_a_truncated_call_makes_every_item_of_it_truncated():
    judged = _judge(
        Judge(lambda ids: CutError() if ids == [1, 2] else _all_faithful(ids)),
        5,
        batch=2,
        truncation=(CutError,),
    )
    reasons = [j.failure[0] for j in judged]
    # Every call of two items was cut; the last call (one item) was not.
    assert reasons == ["truncated"] * 4 + [""]
    assert judged[-1].verdict == Faithfulness("", True)

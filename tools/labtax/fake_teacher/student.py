"""The fake teacher's student mode: an offline stand-in for the model `labtax eval` evaluates.

It is NOT a model. Asked for the model `labtax-fake-student`, the server answers a student's prompt
(which carries no protocol markup) from what it was taught: the held-out questions of a taxonomy
with their references (`Knowledge`, built by `labtax fake-teacher` from the taxonomy it starts in).
How well it learnt a leaf is decided by a hash of the leaf id, so every map shows contrast: a leaf
it knows `well` gets the reference with a few words missing, one it knows `partly` the first half
of it, one it knows `badly` a vague reply made of the question's own words. A question it was
never taught gets an answer saying it is an offline stand-in.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from labtax import leaves, yamldoc
from labtax.config import Config
from labtax.evaluation.questions import seed_questions
from labtax.evaluation.records import HeldOutQuestion
from labtax.prompts import Message, render

STUDENT_MODEL_NAME = "labtax-fake-student"
UNTAUGHT_ANSWER = (
    "This is the labtax fake student, an offline stand-in and not a model. "
    "It was not taught this question, so it cannot answer it."
)
Mastery = Literal["well", "partly", "badly"]
MASTERY: tuple[Mastery, ...] = ("well", "partly", "badly")
# Share of the reference's words a leaf learnt `well` loses.
FORGOTTEN = 0.1


@dataclass(frozen=True)
class Lesson:
    """One taught question: its leaf and the reference answer."""

    leaf_id: str
    reference: str


@dataclass(frozen=True)
class Knowledge:
    """What the fake student was taught: lessons by the exact text of the student's prompt."""

    lessons: Mapping[str, Lesson] = field(default_factory=lambda: MappingProxyType({}))

    @staticmethod
    def learn(leaves: Iterable[tuple[str, Sequence[HeldOutQuestion]]]) -> Knowledge:
        """Knowledge of every (leaf id, held-out questions) given."""
        lessons: dict[str, Lesson] = {}
        for leaf_id, asked in leaves:
            for question in asked:
                lessons.setdefault(_prompt_key(question), Lesson(leaf_id, question.reference))
        return Knowledge(MappingProxyType(lessons))

    def lesson(self, messages: Sequence[Message]) -> Lesson | None:
        user = next((m.get("content", "") for m in messages if m.get("role") == "user"), "")
        return self.lessons.get(user.strip())

    @property
    def leaves(self) -> int:
        return len({lesson.leaf_id for lesson in self.lessons.values()})


def learn_taxonomy(config: Config) -> Knowledge:
    """Knowledge of the seed questions of every leaf of `config`'s taxonomy that loads."""
    taught = []
    for path in leaves.discover(config):
        if path.name != leaves.LEAF_NAME:
            continue
        try:
            leaf = leaves.load_file(config, path)
        except yamldoc.LoadProblem:
            continue
        taught.append((leaf.leaf_id, seed_questions(leaf)))
    return Knowledge.learn(taught)


def is_student(model: str) -> bool:
    """Whether a request names the fake student (litellm sends the name without its provider)."""
    return model.rsplit("/", 1)[-1] == STUDENT_MODEL_NAME


def mastery(leaf_id: str) -> Mastery:
    """How well the fake student learnt a leaf: fixed per leaf id."""
    digest = hashlib.sha256(leaf_id.encode("utf-8")).digest()
    return MASTERY[int.from_bytes(digest[:8], "big") % len(MASTERY)]


def answer(messages: Sequence[Message], knowledge: Knowledge, rng: random.Random) -> str:
    """The fake student's answer to a student prompt."""
    lesson = knowledge.lesson(messages)
    if lesson is None:
        return UNTAUGHT_ANSWER
    words = lesson.reference.split()
    level = mastery(lesson.leaf_id)
    if level == "well":
        kept = [w for w in words if rng.random() >= FORGOTTEN] or words
        return " ".join(kept)
    if level == "partly":
        return " ".join(words[: max(1, len(words) // 2)]) + " I am not sure about the rest."
    user = next((m.get("content", "") for m in messages if m.get("role") == "user"), "")
    topics = [w.strip("?.,!:;\"'()").lower() for w in user.split()]
    topics = [w for w in topics if len(w) > 4] or ["that"]
    return (
        f"I am not sure. It may have something to do with {rng.choice(topics)}, "
        "but I cannot say more."
    )


def _prompt_key(question: HeldOutQuestion) -> str:
    # The exact user turn `labtax eval` sends, so the student recognises its own lessons.
    messages = render(
        "student_answer", {"question": question.question, "context": question.context}
    )
    return messages[-1]["content"].strip()

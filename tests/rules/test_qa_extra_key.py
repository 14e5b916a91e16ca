"""`qa-extra-key`: a knowledge question/answer item with a key besides question and answer."""

from __future__ import annotations

from pathlib import Path

import rulecheck
from labtax.diagnostics import Level
from labtax.rules import qa_extra_key
from sampleleaves import HAIKU

KNOWLEDGE = """\
version: 3
domain: d
document_outline: o
seed_examples:
  - context: C.
    questions_and_answers:
      - question: Q1?
        answer: A1.
        hint: typo of nothing
      - question: Q2?
        anwser: A2.
        answer: A2.
"""


def test_each_extra_key_is_reported_at_the_key(tmp_path: Path) -> None:
    subject = rulecheck.subject(tmp_path, KNOWLEDGE, leaf_id=rulecheck.KNOWLEDGE_ID)
    found = qa_extra_key.check(subject)
    assert [(d.line, d.col, d.level, d.message) for d in found] == [
        (9, 9, Level.WARNING, 'unknown key "seed_examples[0].questions_and_answers[0].hint"'),
        (11, 9, Level.WARNING, 'unknown key "seed_examples[0].questions_and_answers[1].anwser"'),
    ]


def test_skills_and_unparsed_files_are_not_checked(tmp_path: Path) -> None:
    assert qa_extra_key.check(rulecheck.subject(tmp_path, HAIKU + "extra: 1\n")) == []
    broken = rulecheck.subject(tmp_path, "a: [\n", leaf_id=rulecheck.KNOWLEDGE_ID)
    assert qa_extra_key.check(broken) == []

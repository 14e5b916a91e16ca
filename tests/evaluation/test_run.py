"""Running an evaluation: every question to the student, every answer to the judge, stored per
leaf; unchanged leaves make no calls; failures are counted per leaf, never a stopped run."""

from __future__ import annotations

import asyncio

import projects
from labtax import leaves
from labtax.cache import Answer, ResponseCache
from labtax.config import TeacherConfig, default_student, load_config
from labtax.evaluation.records import ModelParams
from labtax.evaluation.run import Roles, evaluate
from labtax.evaluation.store import evaluation_path, read_evaluation
from labtax.fake_teacher.student import learn_taxonomy
from labtax.prompts import EVALUATION, template_hashes
from labtax.teacher import Budget, Spending, Teacher
from labtax.transport import TeacherError

STUDENT = TeacherConfig(model=projects.FAKE_STUDENT, temperature=0.0, retries=0)
JUDGE = TeacherConfig(model="openai/labtax-fake-teacher", temperature=0.0, retries=0)
ROLES = Roles(
    ModelParams(STUDENT.model, 0.0, STUDENT.max_tokens, STUDENT.seed),
    ModelParams(JUDGE.model, 0.0, JUDGE.max_tokens, JUDGE.seed),
    template_hashes(EVALUATION),
)


def setup(root, student_transport=None, judge_transport=None, budget=None):
    config = load_config(root)
    knowledge = learn_taxonomy(config)
    student = student_transport or projects.InProcessTransport(
        model=STUDENT.model, knowledge=knowledge
    )
    judge = judge_transport or projects.InProcessTransport(model=JUDGE.model)
    spending = Spending(budget)
    cache = ResponseCache(root / ".labtax" / "cache")
    teachers = (
        Teacher(STUDENT, student, cache=cache, spending=spending),
        Teacher(JUDGE, judge, cache=cache, spending=spending),
    )
    found = [leaves.load_file(config, p) for p in leaves.discover(config) if p.name == "qna.yaml"]
    return config, found, teachers, (student, judge)


def run(config, found, teachers):
    return asyncio.run(evaluate(config, found, *teachers, ROLES))


def test_every_leaf_is_scored_stored_and_a_rerun_makes_no_calls(project):
    config, found, teachers, (student, judge) = setup(project)
    summary = run(config, found, teachers)
    assert summary.ok
    assert {r.status for r in summary.results} == {"evaluated"}
    scores = {r.leaf_id: r.evaluation.mean_score for r in summary.results}
    # The fake student learnt printing_press well and the riddles only partly.
    assert scores["knowledge/history/printing_press"] >= 8
    assert scores["compositional_skills/riddles/objects"] < 8
    asked = sum(len(r.evaluation.outcomes) for r in summary.results)
    assert student.sent == judge.sent == asked
    files = {
        r.leaf_id: evaluation_path(config, STUDENT.model, r.leaf_id).read_bytes()
        for r in summary.results
    }
    # A second run with fresh teachers and an empty cache: nothing asked, nothing rewritten.
    config, found, teachers, (student, judge) = setup(project)
    (project / ".labtax" / "cache").rename(project / ".labtax" / "old-cache")
    again = run(config, found, teachers)
    assert {r.status for r in again.results} == {"fresh"}
    assert student.sent == judge.sent == 0
    for leaf_id, data in files.items():
        assert evaluation_path(config, STUDENT.model, leaf_id).read_bytes() == data


def test_a_changed_leaf_is_asked_again_and_the_others_are_not(project):
    config, found, teachers, _ = setup(project)
    run(config, found, teachers)
    riddles = project / "taxonomy/compositional_skills/riddles/objects/qna.yaml"
    text = riddles.read_text(encoding="utf-8")
    riddles.write_text(text.replace("question: ", "question: Now, ", 1), encoding="utf-8")
    config, found, teachers, _ = setup(project)
    again = run(config, found, teachers)
    statuses = {r.leaf_id: r.status for r in again.results}
    assert statuses.pop("compositional_skills/riddles/objects") == "evaluated"
    assert set(statuses.values()) == {"fresh"}
    changed = read_evaluation(config, STUDENT.model, "compositional_skills/riddles/objects")
    assert changed.outcomes[0].asked.question.startswith("Now, ")


class Unreachable:
    """A student server nobody answers at."""

    async def send(self, messages, attempt, params=None):
        raise TeacherError("connection refused")

    async def estimate_cost(self, messages, params=None):
        return None


class Says:
    def __init__(self, text):
        self.text = text

    async def send(self, messages, attempt, params=None):
        return Answer(self.text, 1, 1, None)

    async def estimate_cost(self, messages, params=None):
        return None


def test_an_unreachable_student_is_counted_per_leaf_and_retried_next_time(project):
    config, found, teachers, _ = setup(project, student_transport=Unreachable())
    summary = run(config, found, teachers)
    assert not summary.ok
    assert {r.status for r in summary.results} == {"not evaluated"}
    assert summary.failed_questions == sum(len(r.evaluation.outcomes) for r in summary.results)
    stored = read_evaluation(config, STUDENT.model, "knowledge/science/water_cycle")
    assert stored.status == "not evaluated"
    assert "no answer from the student: connection refused" in stored.reason
    # The student is back: the failed leaves are asked again.
    config, found, teachers, (student, _) = setup(project)
    again = run(config, found, teachers)
    assert again.ok
    assert student.sent > 0


def test_empty_answers_and_ungraded_answers_are_failures(project):
    config, found, teachers, (_, judge) = setup(project, student_transport=Says("   "))
    summary = run(config, found, teachers)
    assert judge.sent == 0
    reasons = {r.evaluation.reason for r in summary.results}
    assert all("the student's answer is empty" in reason for reason in reasons)
    # Each question's empty answer was asked again once; every call is counted (a provider
    # bills them) and none is cached.
    asked = sum(len(r.evaluation.outcomes) for r in summary.results)
    assert teachers[0].usage.calls == 2 * asked
    assert teachers[0].spending.calls == 2 * asked
    assert not (project / ".labtax" / "cache").exists()
    config, found, teachers, _ = setup(project, judge_transport=Says("I would say seven."))
    summary = run(config, found, teachers)
    assert {r.status for r in summary.results} == {"not evaluated"}
    outcome = summary.results[0].evaluation.outcomes[0]
    assert outcome.answer
    assert outcome.failure == "the judge's answer has no score from 1 to 10"


def test_a_budget_stop_writes_whole_leaves_only(project):
    config, found, teachers, _ = setup(project, budget=Budget(max_calls=20))
    summary = run(config, found, teachers)
    statuses = [r.status for r in summary.results]
    assert "unfinished" in statuses
    assert "call budget reached" in summary.budget_message
    assert not summary.ok
    for r in summary.results:
        path = evaluation_path(config, STUDENT.model, r.leaf_id)
        assert path.exists() is (r.status == "evaluated")


class WordsItsRole(Unreachable):
    """A transport whose words name who it asks, as `LitellmTransport`'s do (`config.role`)."""

    async def send(self, messages, attempt, params=None):
        role = default_student().role
        raise TeacherError(f"cannot reach the {role} at http://10.0.0.7:8000/v1: refused")


def test_a_student_failure_is_worded_as_the_students(project):
    config, found, teachers, _ = setup(project, student_transport=WordsItsRole())
    summary = run(config, found, teachers)
    reason = summary.results[0].evaluation.reason
    assert "no answer from the student: cannot reach the student at" in reason
    assert "teacher" not in reason

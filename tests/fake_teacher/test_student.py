"""The fake student: taught a taxonomy's held-out questions, it knows some leaves and not others."""

from __future__ import annotations

from pathlib import Path

from labtax import fake_teacher, prompts
from labtax.config import load_config
from labtax.evaluation.records import HeldOutQuestion
from labtax.fake_teacher import respond
from labtax.fake_teacher.student import (
    STUDENT_MODEL_NAME,
    UNTAUGHT_ANSWER,
    Knowledge,
    is_student,
    learn_taxonomy,
    mastery,
)

REFERENCE = (
    "Water evaporates when sunlight warms the ocean, and the vapour rises, cools and condenses"
    " into clouds that later fall as rain or snow."
)


def leaf_with(level: str) -> str:
    """A leaf id the fake student learnt at `level`."""
    return next(
        f"knowledge/topic_{n}" for n in range(100) if mastery(f"knowledge/topic_{n}") == level
    )


def ask(question: str, knowledge: Knowledge, context: str | None = None) -> str:
    messages = prompts.render("student_answer", {"question": question, "context": context})
    return respond(messages, model=f"openai/{STUDENT_MODEL_NAME}", knowledge=knowledge)


def taught(leaf_id: str, context: str | None = None) -> Knowledge:
    asked = HeldOutQuestion("seed", context, "How does rain form?", REFERENCE)
    return Knowledge.learn([(leaf_id, [asked])])


def test_mastery_is_fixed_per_leaf_and_every_level_occurs():
    levels = {mastery(f"knowledge/topic_{n}") for n in range(30)}
    assert levels == {"well", "partly", "badly"}
    assert mastery("knowledge/topic_1") == mastery("knowledge/topic_1")


def test_a_leaf_learnt_well_is_answered_close_to_the_reference():
    answer = ask("How does rain form?", taught(leaf_with("well")))
    words = set(answer.split())
    assert len(words & set(REFERENCE.split())) >= 0.8 * len(set(REFERENCE.split()))
    assert answer != REFERENCE or len(REFERENCE.split()) < 10


def test_a_leaf_learnt_partly_gets_half_and_one_learnt_badly_a_vague_reply():
    partly = ask("How does rain form?", taught(leaf_with("partly")))
    assert partly.startswith(" ".join(REFERENCE.split()[:5]))
    assert "not sure about the rest" in partly
    badly = ask("How does rain form?", taught(leaf_with("badly")))
    assert "I am not sure" in badly
    assert "evaporates" not in badly


def test_the_context_is_part_of_what_was_taught():
    knowledge = taught(leaf_with("well"), context="A note about the weather.")
    assert ask("How does rain form?", knowledge) == UNTAUGHT_ANSWER
    assert ask("How does rain form?", knowledge, "A note about the weather.") != UNTAUGHT_ANSWER


def test_an_untaught_question_gets_an_answer_saying_it_is_a_stand_in():
    text = ask("What is the capital of France?", taught(leaf_with("well")))
    assert text == UNTAUGHT_ANSWER
    assert "not a model" in text


def test_only_the_fake_student_model_answers_as_the_student():
    assert is_student("openai/labtax-fake-student")
    assert is_student("labtax-fake-student")
    assert not is_student("openai/labtax-fake-teacher")
    messages = prompts.render("student_answer", {"question": "How does rain form?"})
    assert respond(messages) == fake_teacher.GENERIC_ANSWER


def test_answers_are_deterministic_per_request():
    knowledge = taught(leaf_with("well"))
    assert len({ask("How does rain form?", knowledge) for _ in range(3)}) == 1
    other = ask("How does rain form?", taught(leaf_with("badly")))
    assert other != ask("How does rain form?", knowledge)


def test_learn_taxonomy_takes_every_loading_leaf(haiku_project: Path):
    broken = haiku_project / "taxonomy" / "compositional_skills" / "broken" / "qna.yaml"
    broken.parent.mkdir(parents=True)
    broken.write_text("version: [\n", encoding="utf-8")
    knowledge = learn_taxonomy(load_config(haiku_project))
    assert knowledge.leaves == 1
    assert len(knowledge.lessons) >= 5


def test_the_server_answers_the_student_by_model_name(fake_server):
    import json
    import urllib.request

    knowledge = taught(leaf_with("well"))
    server, url = fake_server(knowledge=knowledge)
    messages = prompts.render("student_answer", {"question": "How does rain form?"})
    body = json.dumps({"model": STUDENT_MODEL_NAME, "messages": messages}).encode()
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(f"{url}/chat/completions", body, headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        answer = json.loads(response.read())["choices"][0]["message"]["content"]
    assert answer == ask("How does rain form?", knowledge)
    assert server.stats.stages["student"] == 1

"""The stored evaluation: deterministic JSON, read back strictly, one directory per student."""

from __future__ import annotations

import json

import pytest

from labtax.config import load_config
from labtax.errors import LabtaxError
from labtax.evaluation.records import HeldOutQuestion, LeafEvaluation, ModelParams, QuestionOutcome
from labtax.evaluation.store import (
    DamagedEvaluation,
    default_student,
    evaluation_path,
    load_stored,
    load_student,
    read_evaluation,
    stored_students,
    student_slug,
    to_json,
    write_evaluation,
)

STUDENT = ModelParams("hosted_vllm/Org/Model-7B", 0.0, 512, 42)
JUDGE = ModelParams("openai/judge", 0.0, 1024, 42)
ASKED = HeldOutQuestion("seed", None, "What is rain? \u202e", "Water from clouds.")


def evaluation(
    leaf: str = "knowledge/weather/rain", model: ModelParams = STUDENT
) -> LeafEvaluation:
    return LeafEvaluation(
        leaf,
        model,
        JUDGE,
        {"answer_grade": "1" * 64, "student_answer": "2" * 64},
        "f" * 64,
        (
            QuestionOutcome(ASKED, "Rain is water.", "Close.", 8),
            QuestionOutcome(ASKED, failure="the student's answer is empty"),
        ),
    )


def test_slugs_are_plain_directory_names():
    assert student_slug("hosted_vllm/Org/Model-7B") == "hosted_vllm-org-model-7b"
    assert student_slug("openai/gpt-4o-mini") == "openai-gpt-4o-mini"
    assert student_slug("../..") == "student"


def test_written_and_read_back_byte_for_byte(data_project):
    config = load_config(data_project)
    path = write_evaluation(config, evaluation())
    assert path == data_project / "evaluations/hosted_vllm-org-model-7b/knowledge/weather/rain.json"
    text = path.read_text(encoding="utf-8")
    assert text == to_json(evaluation())
    document = json.loads(text)
    assert list(document) == sorted(document)
    assert document["summary"] == {"evaluated": 1, "failed": 1, "mean_score": 8.0}
    assert document["status"] == "evaluated"
    assert "timestamp" not in text
    assert read_evaluation(config, STUDENT.model, "knowledge/weather/rain") == evaluation()
    assert read_evaluation(config, STUDENT.model, "knowledge/weather/snow") is None
    # Another student whose name slugs the same is not this one.
    assert read_evaluation(config, "HOSTED_VLLM/org/model-7b", "knowledge/weather/rain") is None


def test_students_and_the_default_one(data_project, monkeypatch):
    monkeypatch.delenv("LABTAX_STUDENT_MODEL", raising=False)
    config = load_config(data_project, environ={})
    assert stored_students(config) == []
    assert default_student(config) is None
    write_evaluation(config, evaluation())
    write_evaluation(config, evaluation("knowledge/weather/snow"))
    assert stored_students(config) == [STUDENT.model]
    assert default_student(config) == STUDENT.model
    assert set(load_student(config, STUDENT.model)) == {
        "knowledge/weather/rain",
        "knowledge/weather/snow",
    }
    write_evaluation(config, evaluation(model=ModelParams("openai/other", 0.0, 1, 1)))
    assert default_student(config) is None  # two students: name one
    configured = load_config(data_project, environ={"LABTAX_STUDENT_MODEL": "openai/other"})
    assert default_student(configured) == "openai/other"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ('{"format": 2}', "format 1 expected"),
        ('{"format": 1}', "the key 'templates' is missing"),
    ],
)
def test_a_damaged_file_is_a_located_error_and_is_skipped_when_loading_all(
    data_project, text, message
):
    config = load_config(data_project)
    path = evaluation_path(config, STUDENT.model, "knowledge/weather/rain")
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DamagedEvaluation) as caught:
        read_evaluation(config, STUDENT.model, "knowledge/weather/rain")
    assert caught.value.render().startswith(
        "evaluations/hosted_vllm-org-model-7b/knowledge/weather/rain.json"
    )
    assert message in caught.value.message
    assert load_student(config, STUDENT.model) == {}
    found, damaged = load_stored(config, STUDENT.model)
    assert found == {}
    assert list(damaged) == ["knowledge/weather/rain"]
    assert damaged["knowledge/weather/rain"] == caught.value.render()


def test_a_score_out_of_range_is_damage(data_project):
    config = load_config(data_project)
    path = write_evaluation(config, evaluation())
    path.write_text(path.read_text().replace('"score": 8', '"score": 11'), encoding="utf-8")
    with pytest.raises(DamagedEvaluation, match="score 11"):
        read_evaluation(config, STUDENT.model, "knowledge/weather/rain")


@pytest.mark.parametrize("leaf_id", ["", "../x", "knowledge/../../x", "knowledge/.hidden"])
def test_leaf_ids_leading_out_are_refused(data_project, leaf_id):
    with pytest.raises(LabtaxError, match="refusing"):
        evaluation_path(load_config(data_project), STUDENT.model, leaf_id)

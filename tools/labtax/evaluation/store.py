"""`evaluations/<student slug>/<leaf_id>.json`: one file per leaf and student, read and written.

The file is JSON with sorted keys, two-space indents and no timestamps, so a rerun that changes
nothing rewrites the same bytes and a changed score shows as a small diff in review. It records
the student and the judge with their parameters, the template hashes, the fingerprint of what
determined the result, the derived figures (status, reason, mean score, counts) for readers of the
file, and every question with the reference, the student's answer, the judge's explanation and
score, or the failure. The reader is strict: anything else is `DamagedEvaluation`, located.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from labtax.config import Config
from labtax.errors import LabtaxError, Location
from labtax.evaluation.records import (
    HeldOutQuestion,
    LeafEvaluation,
    ModelParams,
    QuestionOutcome,
)
from labtax.util import json_document, write_atomic

FORMAT = 1
SUFFIX = ".json"
_SLUG_DROP = re.compile(r"[^a-z0-9._]+")


class DamagedEvaluation(LabtaxError):  # noqa: N818 - named like dataset.DamagedData
    """A stored evaluation that is not what `write_evaluation` writes."""


def student_slug(model: str) -> str:
    """The directory name for a student model string: `openai/gpt-4o` -> `openai-gpt-4o`."""
    slug = _SLUG_DROP.sub("-", model.lower()).strip("-.")
    return slug or "student"


def student_dir(config: Config, model: str) -> Path:
    return config.evaluations / student_slug(model)


def evaluation_path(config: Config, model: str, leaf_id: str) -> Path:
    """Where the evaluation of `leaf_id` for `model` is stored; a leaf id leading out is refused."""
    parts = leaf_id.split("/")
    if not leaf_id or any(p in {"", ".", ".."} or p.startswith(".") for p in parts):
        raise LabtaxError(
            f"refusing to store an evaluation for leaf id {leaf_id!r}",
            hint="a leaf id is a relative path inside the taxonomy, like knowledge/a/b",
        )
    *dirs, name = parts
    return student_dir(config, model).joinpath(*dirs, f"{name}{SUFFIX}")


def to_json(evaluation: LeafEvaluation) -> str:
    """The stored text of an evaluation."""
    document = {
        "format": FORMAT,
        "leaf": evaluation.leaf,
        "student": evaluation.student.as_dict(),
        "judge": evaluation.judge.as_dict(),
        "templates": dict(evaluation.templates),
        "fingerprint": evaluation.fingerprint,
        "status": evaluation.status,
        "reason": evaluation.reason,
        "note": evaluation.note,
        "summary": {
            "evaluated": evaluation.evaluated,
            "failed": evaluation.failed,
            "mean_score": evaluation.mean_score,
        },
        "questions": [
            {
                **outcome.asked.as_dict(),
                "answer": outcome.answer,
                "explanation": outcome.explanation,
                "failure": outcome.failure,
                "score": outcome.score,
            }
            for outcome in evaluation.outcomes
        ],
    }
    return json_document(document, ascii_only=False)


def write_evaluation(config: Config, evaluation: LeafEvaluation) -> Path:
    """Store `evaluation` (replacing the file in one rename); returns its path."""
    path = evaluation_path(config, evaluation.student.model, evaluation.leaf)
    write_atomic(path, to_json(evaluation), sync=False)
    return path


def read_evaluation(config: Config, model: str, leaf_id: str) -> LeafEvaluation | None:
    """The stored evaluation of `leaf_id` for `model`; None when there is none (or it is another
    student's whose name slugs the same)."""
    path = evaluation_path(config, model, leaf_id)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DamagedEvaluation(
            f"cannot read the evaluation: {exc.strerror or exc}",
            hint="check the file's permissions",
            location=Location(config.rel(path)),
        ) from exc
    evaluation = parse_evaluation(raw, config.rel(path))
    if evaluation.student.model != model or evaluation.leaf != leaf_id:
        return None
    return evaluation


def parse_evaluation(raw: bytes, where: str) -> LeafEvaluation:
    """A stored evaluation from its bytes; `DamagedEvaluation` located in `where` otherwise."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _damaged(where, f"not UTF-8 ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise _damaged(where, f"not JSON: {exc.msg}", exc.lineno, exc.colno) from exc
    try:
        return _evaluation(data)
    except KeyError as exc:
        raise _damaged(where, f"the key {exc} is missing") from exc
    except (TypeError, ValueError) as exc:
        raise _damaged(where, f"unexpected content: {exc}") from exc


def stored_students(config: Config) -> list[str]:
    """The student model strings with stored evaluations, sorted."""
    found: set[str] = set()
    if not config.evaluations.is_dir():
        return []
    for directory in sorted(config.evaluations.iterdir()):
        if directory.name.startswith(".") or not directory.is_dir():
            continue
        for path in sorted(directory.rglob(f"*{SUFFIX}")):
            try:
                found.add(parse_evaluation(path.read_bytes(), config.rel(path)).student.model)
            except (OSError, LabtaxError):
                continue
            break
    return sorted(found)


def default_student(config: Config) -> str | None:
    """The student reports show when none is named: the configured one, else the only one with
    stored evaluations."""
    if config.student.model:
        return config.student.model
    stored = stored_students(config)
    return stored[0] if len(stored) == 1 else None


def load_student(config: Config, model: str) -> dict[str, LeafEvaluation]:
    """Every readable stored evaluation of `model`, by leaf id (damaged files are left out)."""
    return load_stored(config, model)[0]


def load_stored(config: Config, model: str) -> tuple[dict[str, LeafEvaluation], dict[str, str]]:
    """Every stored evaluation of `model` by leaf id, and every damaged one's located message by
    the leaf id its path names (so reports show it as a problem, never as "not evaluated")."""
    directory = student_dir(config, model)
    found: dict[str, LeafEvaluation] = {}
    damaged: dict[str, str] = {}
    if not directory.is_dir():
        return found, damaged
    for path in sorted(directory.rglob(f"*{SUFFIX}")):
        try:
            evaluation = parse_evaluation(path.read_bytes(), config.rel(path))
        except OSError as exc:
            damaged[_leaf_of(directory, path)] = DamagedEvaluation(
                f"cannot read the evaluation: {exc.strerror or exc}",
                hint="check the file's permissions",
                location=Location(config.rel(path)),
            ).render()
            continue
        except LabtaxError as exc:
            damaged[_leaf_of(directory, path)] = exc.render()
            continue
        if evaluation.student.model == model:
            found[evaluation.leaf] = evaluation
    return found, damaged


def _leaf_of(directory: Path, path: Path) -> str:
    return path.relative_to(directory).as_posix().removesuffix(SUFFIX)


def _evaluation(data: Any) -> LeafEvaluation:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"format {FORMAT} expected")
    templates = data["templates"]
    if not isinstance(templates, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in templates.items()
    ):
        raise TypeError("templates must map stage names to hashes")
    questions = data["questions"]
    if not isinstance(questions, list):
        raise TypeError("questions must be a list")
    return LeafEvaluation(
        leaf=_str(data, "leaf"),
        student=_params(data["student"]),
        judge=_params(data["judge"]),
        templates=dict(templates),
        fingerprint=_str(data, "fingerprint"),
        outcomes=tuple(_outcome(item) for item in questions),
        note=_optional_str(data, "note"),
    )


def _params(data: Any) -> ModelParams:
    if not isinstance(data, dict):
        raise TypeError("student and judge must be objects")
    temperature, max_tokens, seed = data["temperature"], data["max_tokens"], data["seed"]
    if isinstance(temperature, bool) or not isinstance(temperature, int | float):
        raise TypeError("temperature must be a number")
    if not _is_int(max_tokens) or not _is_int(seed):
        raise TypeError("max_tokens and seed must be integers")
    return ModelParams(_str(data, "model"), float(temperature), max_tokens, seed)


def _outcome(data: Any) -> QuestionOutcome:
    if not isinstance(data, dict):
        raise TypeError("each question must be an object")
    score = data["score"]
    if score is not None and (not _is_int(score) or not 1 <= score <= 10):
        raise ValueError(f"score {score!r} is not 1 to 10")
    asked = HeldOutQuestion(
        _str(data, "source"),
        _optional_str(data, "context"),
        _str(data, "question"),
        _str(data, "reference"),
    )
    return QuestionOutcome(
        asked,
        _optional_str(data, "answer"),
        _str(data, "explanation"),
        score,
        _optional_str(data, "failure"),
    )


def _str(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} must be a string")
    return value


def _optional_str(data: dict[str, Any], key: str) -> str | None:
    value = data[key]
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{key} must be a string or null")
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _damaged(where: str, message: str, line: int = 0, col: int = 0) -> DamagedEvaluation:
    return DamagedEvaluation(
        f"damaged evaluation: {message}",
        hint="run `labtax eval` again for this leaf; it rewrites the file",
        location=Location(where, line, col),
    )

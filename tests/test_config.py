"""Settings: where the project root is, what the file says, and what the environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtax.config import (
    DEFAULT_DOCUMENT_PROTOCOLS,
    DEFAULT_MAX_FILE_BYTES,
    Config,
    TeacherConfig,
    find_root,
    load_config,
    settings_file,
    settings_table,
)
from labtax.errors import LabtaxError


def project(root: Path, pyproject: str | None = None, labtax: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    if labtax is not None:
        (root / "labtax.toml").write_text(labtax, encoding="utf-8")
    return root


def test_the_root_is_the_nearest_directory_with_settings_a_taxonomy_or_git(tmp_path: Path) -> None:
    outer = project(tmp_path / "outer", labtax="")
    deep = outer / "a" / "b"
    deep.mkdir(parents=True)
    assert find_root(deep) == outer.resolve()
    project(outer / "a", pyproject="[project]\nname = 'x'\n")  # not labtax's: keep looking
    assert find_root(deep) == outer.resolve()
    project(outer / "a", pyproject="[tool.labtax]\n")
    assert find_root(deep) == (outer / "a").resolve()
    (deep / "taxonomy").mkdir()
    assert find_root(deep) == deep.resolve()
    lone = tmp_path / "lone" / "x"
    lone.mkdir(parents=True)
    (tmp_path / "lone" / ".git").mkdir()
    assert find_root(lone) == (tmp_path / "lone").resolve()


def test_defaults(tmp_path: Path) -> None:
    root = project(tmp_path / "p", labtax="")
    config = load_config(root, environ={})
    assert config.root == root.resolve()
    assert config.taxonomy == (root / "taxonomy").resolve()
    assert config.generated == root.resolve() / "generated"
    assert config.cache_dir == root.resolve() / ".labtax" / "cache"
    assert config.max_file_bytes == DEFAULT_MAX_FILE_BYTES
    assert config.document_protocols == DEFAULT_DOCUMENT_PROTOCOLS
    assert config.teacher == TeacherConfig()


def test_branches_at_the_root_make_the_root_the_taxonomy(tmp_path: Path) -> None:
    root = project(tmp_path / "il", labtax="")
    (root / "knowledge").mkdir()
    assert load_config(root, environ={}).taxonomy == root.resolve()
    (root / "taxonomy").mkdir()  # a taxonomy/ directory wins
    assert load_config(root, environ={}).taxonomy == (root / "taxonomy").resolve()


def test_the_file_sets_paths_limits_and_the_teacher(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        pyproject=(
            "[tool.labtax]\ntaxonomy = 'tree'\ngenerated = 'data'\ncache_dir = 'c'\n"
            "max_file_bytes = 2048\ndocument_protocols = ['https', 'ssh']\n"
            "[tool.labtax.teacher]\nmodel = 'openai/m'\napi_bases = ['http://a', 'http://b']\n"
            "temperature = 0.2\nsamples_per_leaf = 3\n"
        ),
    )
    config = load_config(root, environ={})
    assert config.taxonomy == (root / "tree").resolve()
    assert (config.generated, config.cache_dir) == (root.resolve() / "data", root.resolve() / "c")
    assert config.max_file_bytes == 2048
    assert config.document_protocols == ("https", "ssh")
    teacher = config.teacher
    assert (teacher.model, teacher.api_bases, teacher.temperature) == (
        "openai/m",
        ("http://a", "http://b"),
        0.2,
    )
    assert teacher.samples_per_leaf == 3


def test_labtax_toml_wins_over_pyproject(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p", pyproject="[tool.labtax]\ngenerated = 'a'\n", labtax="generated = 'b'\n"
    )
    assert load_config(root, environ={}).generated == root.resolve() / "b"


def test_the_settings_file_and_its_labtax_table_are_found_once(tmp_path: Path) -> None:
    assert settings_file(tmp_path) is None
    assert settings_table(tmp_path) == {}
    (tmp_path / "pyproject.toml").write_text("[tool.labtax.export]\nseed = 1\n")
    assert settings_file(tmp_path) == (tmp_path / "pyproject.toml", ("tool", "labtax"))
    assert settings_table(tmp_path) == {"export": {"seed": 1}}
    (tmp_path / "labtax.toml").write_text("[export]\nseed = 2\n")
    assert settings_file(tmp_path) == (tmp_path / "labtax.toml", ())
    assert settings_table(tmp_path) == {"export": {"seed": 2}}


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p", labtax="[teacher]\nmodel = 'openai/file'\napi_base = 'http://file'\n"
    )
    environ = {
        "LABTAX_TEACHER_MODEL": "hosted_vllm/env",
        "LABTAX_TEACHER_API_BASE": "http://env",
        "LABTAX_TEACHER_API_KEY": "secret",
        "LABTAX_CACHE_DIR": str(tmp_path / "cache"),
        "LABTAX_DOCUMENT_PROTOCOLS": "https, file",
    }
    config = load_config(root, environ=environ)
    assert (config.teacher.model, config.teacher.api_base) == ("hosted_vllm/env", "http://env")
    assert config.teacher.api_key == "secret"
    assert "secret" not in repr(config.teacher)
    assert config.cache_dir == tmp_path / "cache"
    assert config.document_protocols == ("file", "https")
    assert load_config(root, environ={}).teacher.api_key is None


def test_the_student_comes_from_its_table_under_its_variables(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        labtax="evaluations = 'scores'\nheld_out = 'export'\n"
        "[student]\nmodel = 'ollama/file'\napi_base = 'http://file'\nretries = 1\n",
    )
    config = load_config(root, environ={})
    assert (config.evaluations, config.held_out) == (root / "scores", root / "export")
    assert (config.student.model, config.student.api_base) == ("ollama/file", "http://file")
    assert (config.student.temperature, config.student.retries) == (0.0, 1)
    environ = {
        "LABTAX_STUDENT_MODEL": "hosted_vllm/env",
        "LABTAX_STUDENT_API_BASE": "http://env",
        "LABTAX_STUDENT_API_KEY": "student-secret",
    }
    config = load_config(root, environ=environ)
    assert (config.student.model, config.student.api_base) == ("hosted_vllm/env", "http://env")
    assert config.student.api_key == "student-secret"
    assert "student-secret" not in repr(config)
    assert config.teacher.api_key is None


def test_no_student_is_an_empty_model_and_defaults_hold(tmp_path: Path) -> None:
    config = load_config(project(tmp_path / "p"), environ={})
    assert config.student.model == ""
    assert config.student.temperature == 0.0
    assert (config.evaluations, config.held_out) == (config.root / "evaluations", None)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("[student]\napi_key = 'x'\n", "api_key must not be stored"),
        ("[student]\nmodle = 'x'\n", "unknown key(s) in [tool.labtax.student]: modle"),
        ("student = 3\n", "[tool.labtax.student] must be a table"),
    ],
)
def test_bad_student_settings_are_errors(tmp_path: Path, table: str, message: str) -> None:
    root = project(tmp_path / "p", labtax=table)
    with pytest.raises(LabtaxError) as caught:
        load_config(root, environ={})
    assert message in caught.value.message


def test_an_explicit_taxonomy_wins(tmp_path: Path) -> None:
    root = project(tmp_path / "p", labtax="taxonomy = 'tree'\n")
    config = load_config(root, taxonomy=root / "other", environ={})
    assert config.taxonomy == (root / "other").resolve()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("max_file_bytes = 0\n", "max_file_bytes must be a positive integer, got 0"),
        ("max_file_bytes = true\n", "max_file_bytes must be a positive integer, got True"),
        ("max_file_bytes = '1'\n", "max_file_bytes must be a positive integer, got '1'"),
        ("teacher = 3\n", "[tool.labtax.teacher] must be a table"),
        ("[teacher]\nmodle = 'x'\n", "unknown key(s) in [tool.labtax.teacher]: modle"),
        ("[teacher]\napi_key = 'sk-1'\n", "api_key must not be stored in a settings file"),
        ("taxonomy = [\n", "settings are not valid TOML"),
    ],
)
def test_bad_settings_are_errors_that_name_the_project(
    tmp_path: Path, settings: str, message: str
) -> None:
    root = project(tmp_path / "p", labtax=settings)
    with pytest.raises(LabtaxError) as caught:
        load_config(root, environ={})
    assert message in caught.value.message
    assert caught.value.location is not None
    assert caught.value.location.path.startswith(str(root))


def test_an_unsupported_protocol_in_the_file_is_an_error(tmp_path: Path) -> None:
    root = project(tmp_path / "p", labtax="document_protocols = ['https', 'ext']\n")
    with pytest.raises(LabtaxError, match=r"unsupported document protocol\(s\): ext"):
        load_config(root, environ={})


def test_an_unknown_key_hint_lists_the_known_ones(tmp_path: Path) -> None:
    root = project(tmp_path / "p", labtax="[teacher]\nmodle = 'x'\n")
    with pytest.raises(LabtaxError) as caught:
        load_config(root, environ={})
    assert "model" in caught.value.hint
    assert "samples_per_leaf" in caught.value.hint


def test_an_unknown_protocol_from_the_environment_is_an_error(tmp_path: Path) -> None:
    root = project(tmp_path / "p", labtax="")
    with pytest.raises(LabtaxError, match=r"unsupported document protocol\(s\): ext") as caught:
        load_config(root, environ={"LABTAX_DOCUMENT_PROTOCOLS": "https:ext"})
    assert "https" in caught.value.hint


def test_rel_is_the_project_relative_posix_path(tmp_path: Path) -> None:
    root = project(tmp_path / "p", labtax="")
    config = Config(root, root / "taxonomy", root / "generated", root / ".cache")
    assert config.rel(root / "taxonomy" / "a" / "qna.yaml") == "taxonomy/a/qna.yaml"
    assert config.rel(root) == "."
    outside = tmp_path / "elsewhere.yaml"
    assert config.rel(outside) == outside.as_posix()

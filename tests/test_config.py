"""Settings: where the project root is, what the file says, and what the environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtax.commands._options import NAMES
from labtax.config import (
    DEFAULT_DOCUMENT_FETCH_TIMEOUT,
    DEFAULT_DOCUMENT_MAX_BYTES,
    DEFAULT_DOCUMENT_PROTOCOLS,
    DEFAULT_MAX_FILE_BYTES,
    Config,
    GenerationConfig,
    StageOverride,
    TeacherConfig,
    find_root,
    load_config,
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
    config = load_config(root, environ={}, names=NAMES)
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
    assert load_config(root, environ={}, names=NAMES).taxonomy == root.resolve()
    (root / "taxonomy").mkdir()  # a taxonomy/ directory wins
    assert load_config(root, environ={}, names=NAMES).taxonomy == (root / "taxonomy").resolve()


def test_the_file_sets_paths_limits_and_the_teacher(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        pyproject=(
            "[tool.labtax]\ntaxonomy = 'tree'\ngenerated = 'data'\ncache_dir = 'c'\n"
            "max_file_bytes = 2048\ndocument_protocols = ['https', 'ssh']\n"
            "[tool.labtax.teacher]\nmodel = 'openai/m'\napi_bases = ['http://a', 'http://b']\n"
            "temperature = 0.2\n"
            "[tool.labtax.generation]\nsamples_per_leaf = 3\nsamples_per_chunk = 7\n"
            "max_rounds = 2\nmax_calls_per_leaf = 99\ncontext_tokens = 4096\n"
            "chunk_tokens = 300\nchunk_overlap_tokens = 0\n"
            "[tool.labtax.teacher.stages.faithfulness]\ntemperature = 0.1\nmax_tokens = 2048\n"
            "[tool.labtax.teacher.stages.skill_answer]\nmax_tokens = 512\n"
        ),
    )
    config = load_config(root, environ={}, names=NAMES)
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
    assert config.generation == GenerationConfig(3, 7, 2, 99, 4096, 300, 0)
    assert config.teacher_stages == {
        "faithfulness": StageOverride(0.1, 2048),
        "skill_answer": StageOverride(None, 512),
    }


def test_labtax_toml_wins_over_pyproject(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p", pyproject="[tool.labtax]\ngenerated = 'a'\n", labtax="generated = 'b'\n"
    )
    assert load_config(root, environ={}, names=NAMES).generated == root.resolve() / "b"


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
    assert load_config(root, environ={}, names=NAMES).teacher.api_key is None


def test_the_student_comes_from_its_table_under_its_variables(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        labtax="evaluations = 'scores'\nheld_out = 'export'\n"
        "[student]\nmodel = 'ollama/file'\napi_base = 'http://file'\nretries = 1\n",
    )
    config = load_config(root, environ={}, names=NAMES)
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
        ("[student]\nmodle = 'x'\n", "1 unknown key in [student]: modle"),
        ("student = 3\n", "[student] must be a table"),
    ],
)
def test_bad_student_settings_are_errors(tmp_path: Path, table: str, message: str) -> None:
    root = project(tmp_path / "p", labtax=table)
    with pytest.raises(LabtaxError) as caught:
        load_config(root, environ={}, names=NAMES)
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
        ("teacher = 3\n", "[teacher] must be a table"),
        ("[teacher]\nmodle = 'x'\n", "1 unknown key in [teacher]: modle"),
        ("[teacher]\napi_key = 'sk-1'\n", "api_key must not be stored in a settings file"),
        ("taxonomy = [\n", "settings are not valid TOML"),
    ],
)
def test_bad_settings_are_errors_that_name_the_project(
    tmp_path: Path, settings: str, message: str
) -> None:
    root = project(tmp_path / "p", labtax=settings)
    with pytest.raises(LabtaxError) as caught:
        load_config(root, environ={}, names=NAMES)
    assert message in caught.value.message
    assert caught.value.location is not None
    assert caught.value.location.path.startswith(str(root))


def test_an_unsupported_protocol_in_the_file_is_an_error(tmp_path: Path) -> None:
    root = project(tmp_path / "p", labtax="document_protocols = ['https', 'ext']\n")
    with pytest.raises(LabtaxError, match="1 unsupported document protocol: ext"):
        load_config(root, environ={}, names=NAMES)


def test_an_unknown_key_hint_lists_the_known_ones(tmp_path: Path) -> None:
    root = project(tmp_path / "p", labtax="[teacher]\nmodle = 'x'\n")
    with pytest.raises(LabtaxError) as caught:
        load_config(root, environ={}, names=NAMES)
    assert "model" in caught.value.hint
    assert "stages" in caught.value.hint


def test_an_unknown_protocol_from_the_environment_is_an_error(tmp_path: Path) -> None:
    root = project(tmp_path / "p", labtax="")
    with pytest.raises(LabtaxError, match="1 unsupported document protocol: ext") as caught:
        load_config(root, environ={"LABTAX_DOCUMENT_PROTOCOLS": "https:ext"})
    assert "https" in caught.value.hint


def test_rel_is_the_project_relative_posix_path(tmp_path: Path) -> None:
    root = project(tmp_path / "p", labtax="")
    config = Config(root, root / "taxonomy", root / "generated", root / ".cache")
    assert config.rel(root / "taxonomy" / "a" / "qna.yaml") == "taxonomy/a/qna.yaml"
    assert config.rel(root) == "."
    outside = tmp_path / "elsewhere.yaml"
    assert config.rel(outside) == outside.as_posix()


def test_document_settings_default_to_ci_sized_caps_and_the_documents_folder(
    tmp_path: Path,
) -> None:
    root = project(tmp_path / "p", labtax="")
    config = load_config(root, environ={}, names=NAMES)
    assert config.documents_dir == root.resolve() / "documents"
    assert config.mirrors_dir == root.resolve() / ".labtax" / "mirrors"
    assert not config.mirrors_dir.is_relative_to(config.cache_dir)
    assert (config.document_max_bytes, config.document_fetch_timeout) == (
        DEFAULT_DOCUMENT_MAX_BYTES,
        DEFAULT_DOCUMENT_FETCH_TIMEOUT,
    )
    custom = project(
        tmp_path / "q",
        labtax='documents = "./kb/docs"\ndocument_max_bytes = 1000\ndocument_fetch_timeout = 2.5\n',
    )
    config = load_config(custom, environ={})
    assert config.documents_dir == custom.resolve() / "kb" / "docs"
    assert (config.document_max_bytes, config.document_fetch_timeout) == (1000, 2.5)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ('documents = "."\n', "documents must be a folder below the project root"),
        ('documents = "../docs"\n', "documents must be a folder below the project root"),
        ('documents = "/srv/docs"\n', "documents must be a folder below the project root"),
        ('documents = ".git"\n', "documents must be a folder below the project root"),
        ("documents = 3\n", "documents must be a folder below the project root"),
        ("document_max_bytes = 0\n", "document_max_bytes must be a positive integer"),
        ("document_fetch_timeout = -1\n", "document_fetch_timeout must be a number of seconds"),
        ("document_fetch_timeout = 'soon'\n", "document_fetch_timeout must be a number of seconds"),
    ],
)
def test_bad_document_settings_are_located_errors(
    tmp_path: Path, settings: str, message: str
) -> None:
    root = project(tmp_path / "p", labtax=settings)
    with pytest.raises(LabtaxError, match=message) as caught:
        load_config(root, environ={}, names=NAMES)
    assert caught.value.location is not None


# --- generation volumes and per-stage call settings ------------------------------------------


def test_generation_defaults_follow_labs_volumes(tmp_path: Path) -> None:
    config = load_config(project(tmp_path / "p", labtax=""), environ={})
    assert config.generation == GenerationConfig()
    assert (config.generation.samples_per_leaf, config.generation.samples_per_chunk) == (30, 5)
    assert config.generation.context_tokens == 8192
    assert config.teacher_stages == {}


def test_samples_per_leaf_in_the_teacher_table_still_counts_but_not_twice(tmp_path: Path) -> None:
    old = project(tmp_path / "old", labtax="[teacher]\nsamples_per_leaf = 7\n")
    assert load_config(old, environ={}).generation.samples_per_leaf == 7
    both = project(
        tmp_path / "both",
        labtax="[teacher]\nsamples_per_leaf = 7\n\n[generation]\nsamples_per_leaf = 8\n",
    )
    with pytest.raises(LabtaxError, match="set in both") as caught:
        load_config(both, environ={})
    assert caught.value.location.line == 2


def test_the_environment_wins_over_the_file_for_volumes(tmp_path: Path) -> None:
    root = project(tmp_path / "p", labtax="[generation]\nsamples_per_leaf = 8\nmax_rounds = 2\n")
    environ = {"LABTAX_SAMPLES_PER_LEAF": "12", "LABTAX_MAX_CALLS_PER_LEAF": "500"}
    generation = load_config(root, environ=environ).generation
    assert (generation.samples_per_leaf, generation.max_rounds) == (12, 2)
    assert generation.max_calls_per_leaf == 500
    with pytest.raises(LabtaxError, match="LABTAX_MAX_ROUNDS must be a positive integer"):
        load_config(root, environ={"LABTAX_MAX_ROUNDS": "zero"})


@pytest.mark.parametrize(
    ("table", "message", "line", "column"),
    [
        ("[generation]\nsamples_per_leaf = 0\n", "samples_per_leaf must be a positive", 2, 1),
        ("[generation]\n  max_rounds = 'two'\n", "max_rounds must be a positive", 2, 3),
        ("[generation]\nchunk_overlap_tokens = -1\n", "must be a non-negative integer", 2, 1),
        (
            "[generation]\nchunk_tokens = 100\nchunk_overlap_tokens = 100\n",
            "chunk_overlap_tokens (100) must be less than chunk_tokens (100)",
            3,
            1,
        ),
        (
            "[generation]\nsamples = 3\n",
            "1 unknown key in [generation]: samples",
            2,
            1,
        ),
        ("generation = 3\n", "[generation] must be a table", 1, 1),
        (
            "[teacher.stages.faithful]\ntemperature = 0\n",
            "no generation stage is called 'faithful'",
            1,
            1,
        ),
        (
            "[teacher.stages.faithfulness]\ntemprature = 0\n",
            "1 unknown key in [teacher.stages.faithfulness]: temprature",
            2,
            1,
        ),
        (
            "[teacher.stages.relevance]\ntemperature = 3\n",
            "temperature must be a number from 0 to 2, got 3",
            2,
            1,
        ),
        (
            "[teacher.stages.relevance]\nmax_tokens = 0\n",
            "[teacher.stages.relevance] max_tokens must be a positive integer",
            2,
            1,
        ),
        ("[teacher]\nstages = 3\n", "must hold one table per stage", 2, 1),
        (
            "[teacher.stages]\nrelevance = 3\n",
            "must be a table of max_tokens and temperature",
            2,
            1,
        ),
    ],
)
def test_bad_generation_and_stage_settings_are_located_errors(
    tmp_path: Path, table: str, message: str, line: int | None, column: int | None
) -> None:
    root = project(tmp_path / "p", labtax=table)
    with pytest.raises(LabtaxError) as caught:
        load_config(root, environ={}, names=NAMES)
    assert message in caught.value.message
    location = caught.value.location
    assert location is not None
    assert location.path == str(root / "labtax.toml")
    if line is not None:
        assert (location.line, location.col) == (line, column)


def test_stage_settings_in_a_pyproject_are_located_there(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        pyproject="[tool.labtax]\n\n[tool.labtax.teacher.stages.standalone]\nmax_tokens = -2\n",
    )
    with pytest.raises(LabtaxError) as caught:
        load_config(root, environ={}, names=NAMES)
    location = caught.value.location
    assert (location.path, location.line) == (str(root / "pyproject.toml"), 4)
    fine = project(
        tmp_path / "q",
        pyproject="[tool.labtax.teacher.stages.standalone]\ntemperature = 0.5\n",
    )
    assert load_config(fine, environ={}).teacher_stages == {"standalone": StageOverride(0.5, None)}


def test_without_the_registries_only_the_shape_of_rule_and_stage_tables_is_checked(
    tmp_path: Path,
) -> None:
    table = "[rules]\nnope = 'off'\n[teacher.stages.faithful]\ntemperature = 0\n"
    root = project(tmp_path / "p", labtax=table)
    config = load_config(root, environ={})
    assert config.rules.levels == (("nope", None),)
    assert "faithful" in config.teacher_stages
    with pytest.raises(LabtaxError, match="no generation stage is called 'faithful'"):
        load_config(root, environ={}, names=NAMES)


def test_the_student_is_named_as_the_student_in_what_its_calls_say() -> None:
    from labtax.config import TeacherConfig, default_student

    assert (TeacherConfig().role, default_student().role) == ("teacher", "student")

"""Settings: `[tool.labtax]` in pyproject.toml (or `labtax.toml`), flags, `LABTAX_*` variables.

Precedence, lowest first: built-in defaults, the file, command-line flags, the environment. The
environment wins so CI and scripts can point labtax anywhere without editing files.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from labtax.errors import LabtaxError, Location

BRANCHES = ("compositional_skills", "foundational_skills", "knowledge")
DEFAULT_MAX_FILE_BYTES = 1024 * 1024
# git transports a knowledge leaf's document repository may use; never `ext::` and friends, which
# run commands. CI jobs that hold secrets narrow this to https (LABTAX_DOCUMENT_PROTOCOLS=https).
DEFAULT_DOCUMENT_PROTOCOLS = ("file", "git", "http", "https", "ssh")


@dataclass(frozen=True)
class TeacherConfig:
    """How to reach the teacher model; `api_key` only ever comes from the environment."""

    model: str = "openai/labtax-fake-teacher"
    api_base: str | None = None
    api_bases: tuple[str, ...] = ()
    api_key: str | None = field(default=None, repr=False)
    temperature: float = 0.7
    max_tokens: int = 1024
    seed: int = 42
    concurrency: int = 8
    retries: int = 5
    timeout: float = 60.0
    samples_per_leaf: int = 10


def default_student() -> TeacherConfig:
    """The student's transport settings before any file or variable: no model, temperature 0
    (`labtax eval` asks held-out questions reproducibly)."""
    return replace(TeacherConfig(), model="", temperature=0.0)


@dataclass(frozen=True)
class Config:
    """Where things are and the limits that apply; resolved once per command."""

    root: Path
    taxonomy: Path
    generated: Path
    cache_dir: Path
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    document_protocols: tuple[str, ...] = DEFAULT_DOCUMENT_PROTOCOLS
    # `labtax eval`: where results are stored, the export whose test split is held out, and the
    # student (a second transport configuration; None when no model is configured).
    evaluations: Path = Path("evaluations")
    held_out: Path | None = None
    student: TeacherConfig = field(default_factory=default_student)

    def rel(self, path: Path) -> str:
        """`path` relative to the project root, POSIX style, as every report shows it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def find_root(start: Path) -> Path:
    """The nearest directory at or above `start` holding labtax settings, a taxonomy, or `.git`."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / "labtax.toml").is_file() or _has_tool_labtax(candidate / "pyproject.toml"):
            return candidate
        if (candidate / "taxonomy").is_dir() or (candidate / ".git").exists():
            return candidate
    return start


def load_config(
    start: Path | None = None,
    *,
    taxonomy: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Resolve settings for the project containing `start` (default: the current directory)."""
    env = os.environ if environ is None else environ
    root = find_root(start or Path.cwd())
    table = settings_table(root)
    tax = taxonomy or _taxonomy_dir(root, table.get("taxonomy"))
    generated = root / str(table.get("generated", "generated"))
    cache = Path(env.get("LABTAX_CACHE_DIR") or root / str(table.get("cache_dir", ".labtax/cache")))
    max_bytes = _int_setting(table, "max_file_bytes", DEFAULT_MAX_FILE_BYTES, root)
    teacher = _teacher(table.get("teacher", {}), env, root)
    protocols = _protocols(env.get("LABTAX_DOCUMENT_PROTOCOLS"), table.get("document_protocols"))
    evaluations = root / str(table.get("evaluations", "evaluations"))
    held_out = root / str(table["held_out"]) if table.get("held_out") else None
    student = _student(table.get("student", {}), env, root)
    return Config(
        root,
        tax.resolve(),
        generated,
        cache,
        max_bytes,
        teacher,
        protocols,
        evaluations,
        held_out,
        student,
    )


def _protocols(from_env: str | None, from_file: object) -> tuple[str, ...]:
    if from_env:
        wanted: list[str] = [p.strip() for p in from_env.replace(",", ":").split(":")]
    elif isinstance(from_file, list):
        wanted = [str(p).strip() for p in from_file]
    else:
        return DEFAULT_DOCUMENT_PROTOCOLS
    unknown = sorted({p for p in wanted if p} - set(DEFAULT_DOCUMENT_PROTOCOLS))
    if unknown:
        raise LabtaxError(
            f"unsupported document protocol(s): {', '.join(unknown)}",
            hint=f"choose from {', '.join(DEFAULT_DOCUMENT_PROTOCOLS)}",
        )
    return tuple(sorted({p for p in wanted if p}))


def _taxonomy_dir(root: Path, configured: object) -> Path:
    if configured is not None:
        return root / str(configured)
    if (root / "taxonomy").is_dir():
        return root / "taxonomy"
    # InstructLab's own taxonomy repository keeps the three branches at its root.
    if any((root / branch).is_dir() for branch in BRANCHES):
        return root
    return root / "taxonomy"


def _has_tool_labtax(pyproject: Path) -> bool:
    if not pyproject.is_file():
        return False
    try:
        return "labtax" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def settings_file(root: Path) -> tuple[Path, tuple[str, ...]] | None:
    """The file holding the project's settings and the path of the labtax table inside it:
    `labtax.toml` (its top level) wins over `pyproject.toml` (`[tool.labtax]`); None when neither
    exists."""
    own = root / "labtax.toml"
    if own.is_file():
        return own, ()
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        return pyproject, ("tool", "labtax")
    return None


def settings_table(root: Path) -> dict[str, Any]:
    """The labtax settings table of the project at `root` (`{}` when there is none)."""
    found = settings_file(root)
    if found is None:
        return {}
    table: object = load_toml(found[0])
    for key in found[1]:
        table = table.get(key, {}) if isinstance(table, dict) else {}
    return table if isinstance(table, dict) else {}


def load_toml(path: Path) -> dict[str, Any]:
    """A TOML file's tables; unreadable or invalid TOML is an error located at the file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise LabtaxError(f"cannot read settings: {exc}", location=Location(str(path))) from exc
    except tomllib.TOMLDecodeError as exc:
        raise LabtaxError(
            f"settings are not valid TOML: {exc}",
            hint="fix the TOML syntax of this file",
            location=Location(str(path)),
        ) from exc


def _int_setting(table: Mapping[str, Any], key: str, default: int, root: Path) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise LabtaxError(
            f"[tool.labtax] {key} must be a positive integer, got {value!r}",
            location=Location(str(root / "pyproject.toml")),
        )
    return int(value)


def _teacher(raw: object, env: Mapping[str, str], root: Path) -> TeacherConfig:
    if not isinstance(raw, dict):
        raise LabtaxError("[tool.labtax.teacher] must be a table", location=Location(str(root)))
    known = {f.name: f for f in fields(TeacherConfig)}
    unknown = sorted(set(raw) - set(known) - {"api_key"})
    if unknown:
        raise LabtaxError(
            f"unknown key(s) in [tool.labtax.teacher]: {', '.join(unknown)}",
            hint=f"known keys: {', '.join(sorted(known))}",
            location=Location(str(root / "pyproject.toml")),
        )
    if "api_key" in raw:
        raise LabtaxError(
            "api_key must not be stored in a settings file",
            hint="set LABTAX_TEACHER_API_KEY in the environment instead",
            location=Location(str(root / "pyproject.toml")),
        )
    values: dict[str, Any] = dict(raw)
    if "api_bases" in values:
        values["api_bases"] = tuple(str(b) for b in values["api_bases"])
    config = replace(TeacherConfig(), **values)
    model = env.get("LABTAX_TEACHER_MODEL") or config.model
    api_base = env.get("LABTAX_TEACHER_API_BASE") or config.api_base
    api_key = env.get("LABTAX_TEACHER_API_KEY") or None
    return replace(config, model=model, api_base=api_base, api_key=api_key)


def _student(raw: object, env: Mapping[str, str], root: Path) -> TeacherConfig:
    """`[tool.labtax.student]` under `LABTAX_STUDENT_*`; the model is "" when none is set."""
    if not isinstance(raw, dict):
        raise LabtaxError("[tool.labtax.student] must be a table", location=Location(str(root)))
    where = Location(str(root / "pyproject.toml"))
    if "api_key" in raw:
        raise LabtaxError(
            "api_key must not be stored in a settings file",
            hint="set LABTAX_STUDENT_API_KEY in the environment instead",
            location=where,
        )
    unknown = sorted(set(raw) - {f.name for f in fields(TeacherConfig)})
    if unknown:
        raise LabtaxError(
            f"unknown key(s) in [tool.labtax.student]: {', '.join(unknown)}",
            hint="the student takes the keys of [tool.labtax.teacher]",
            location=where,
        )
    values: dict[str, Any] = dict(raw)
    if "api_bases" in values:
        values["api_bases"] = tuple(str(b) for b in values["api_bases"])
    values["model"] = str(env.get("LABTAX_STUDENT_MODEL") or values.get("model") or "")
    values["api_base"] = env.get("LABTAX_STUDENT_API_BASE") or values.get("api_base")
    values["api_key"] = env.get("LABTAX_STUDENT_API_KEY") or None
    return replace(default_student(), **values)

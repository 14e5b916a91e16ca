"""Settings: `[tool.labtax]` in pyproject.toml (or `labtax.toml`), `LABTAX_*` variables, flags.

Precedence, lowest first: built-in defaults, the file, the environment, command-line flags (the
commands apply their flags over what `load_config` returns), as users of command-line tools expect.

The project is the one that holds the taxonomy: with an explicit taxonomy directory its root (the
settings, `generated/`, the cache, the git repository) is found from that directory, not from the
current one.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any

from labtax.errors import LabtaxError, Location
from labtax.ruleconfig import RuleLevels, SettingsSource, parse_rules
from labtax.util import plural

BRANCHES = ("compositional_skills", "foundational_skills", "knowledge")
DEFAULT_MAX_FILE_BYTES = 1024 * 1024
# git transports a knowledge leaf's document repository may use; never `ext::` and friends, which
# run commands. CI jobs that hold secrets narrow this to https (LABTAX_DOCUMENT_PROTOCOLS=https).
DEFAULT_DOCUMENT_PROTOCOLS = ("file", "git", "http", "https", "ssh")
# Knowledge documents kept in this repository live here (or in the taxonomy); nowhere else.
DEFAULT_DOCUMENTS = "documents"
# Caps per document repository, sized for a CI runner: a leaf naming a huge repository fails
# instead of costing minutes and gigabytes.
DEFAULT_DOCUMENT_MAX_BYTES = 256 * 1024 * 1024
DEFAULT_DOCUMENT_FETCH_TIMEOUT = 120.0


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

    @property
    def servers(self) -> tuple[str, ...]:
        """The servers to use. `api_base` (several, comma-separated) wins over `api_bases`: it is
        what the environment and the `--api-base` flag set."""
        if self.api_base:
            return tuple(b.strip() for b in self.api_base.split(",") if b.strip())
        return tuple(b for b in self.api_bases if b)


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
    rules: RuleLevels = field(default_factory=RuleLevels)
    documents: str = DEFAULT_DOCUMENTS  # relative to the root, checked by `_documents_setting`
    document_max_bytes: int = DEFAULT_DOCUMENT_MAX_BYTES
    document_fetch_timeout: float = DEFAULT_DOCUMENT_FETCH_TIMEOUT

    @property
    def documents_dir(self) -> Path:
        """The folder local knowledge documents may live in, besides the taxonomy."""
        return self.root / self.documents

    @property
    def mirrors_dir(self) -> Path:
        """Bare mirrors of document repositories: never inside the cached path (`cache_dir`)."""
        return self.root / ".labtax" / "mirrors"

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
    """Resolve settings for the project containing `start`: by default the project holding an
    explicit `taxonomy` directory, else the one around the current directory."""
    env = os.environ if environ is None else environ
    if taxonomy is not None:
        taxonomy = taxonomy.resolve()
    root = find_root(start or taxonomy or Path.cwd())
    table, source = _read_table(root)
    tax = taxonomy or _taxonomy_dir(root, table.get("taxonomy"))
    generated = root / str(table.get("generated", "generated"))
    cache = Path(env.get("LABTAX_CACHE_DIR") or root / str(table.get("cache_dir", ".labtax/cache")))
    max_bytes = _int_setting(table, "max_file_bytes", DEFAULT_MAX_FILE_BYTES, root)
    teacher = _teacher(table.get("teacher", {}), env, root)
    protocols = _protocols(env.get("LABTAX_DOCUMENT_PROTOCOLS"), table.get("document_protocols"))
    evaluations = root / str(table.get("evaluations", "evaluations"))
    held_out = root / str(table["held_out"]) if table.get("held_out") else None
    student = _student(table.get("student", {}), env, root)
    rules = _rules(table.get("rules"), source)
    return Config(
        root=root,
        taxonomy=tax.resolve(),
        generated=generated,
        cache_dir=cache,
        max_file_bytes=max_bytes,
        teacher=teacher,
        document_protocols=protocols,
        evaluations=evaluations,
        held_out=held_out,
        student=student,
        rules=rules,
        documents=_documents_setting(table.get("documents", DEFAULT_DOCUMENTS), root),
        document_max_bytes=_int_setting(
            table, "document_max_bytes", DEFAULT_DOCUMENT_MAX_BYTES, root
        ),
        document_fetch_timeout=_seconds_setting(
            table, "document_fetch_timeout", DEFAULT_DOCUMENT_FETCH_TIMEOUT, root
        ),
    )


def _rules(raw: object, source: SettingsSource | None) -> RuleLevels:
    if raw is None or source is None:
        return RuleLevels()
    # The registry imports every rule module: only a project that configures rules pays for it.
    from labtax.rules import RULES

    return parse_rules(raw, RULES, source)


def _documents_setting(value: object, root: Path) -> str:
    """The documents folder: a plain relative path below the root, no hidden or `..` segment."""
    text = value if isinstance(value, str) else ""
    parts = PurePosixPath(text).parts
    if not parts or text.startswith("/") or any(p.startswith(".") or "\\" in p for p in parts):
        raise LabtaxError(
            f"[tool.labtax] documents must be a folder below the project root, got {value!r}",
            hint='e.g. documents = "documents" (no leading /, no "..", no hidden folder)',
            location=Location(str(root / "pyproject.toml")),
        )
    return "/".join(parts)


def _seconds_setting(table: Mapping[str, Any], key: str, default: float, root: Path) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 86_400:
        raise LabtaxError(
            f"[tool.labtax] {key} must be a number of seconds above 0, got {value!r}",
            location=Location(str(root / "pyproject.toml")),
        )
    return float(value)


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
            f"{plural(len(unknown), 'unsupported document protocol')}: {', '.join(unknown)}",
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


def _read_table(root: Path) -> tuple[dict[str, Any], SettingsSource | None]:
    """The labtax settings table and where its `rules` table is, for locating errors."""
    own = root / "labtax.toml"
    if own.is_file():
        return _load_toml(own), SettingsSource(own, "rules")
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        tool = _load_toml(pyproject).get("tool", {})
        table = tool.get("labtax", {}) if isinstance(tool, dict) else {}
        source = SettingsSource(pyproject, "tool.labtax.rules")
        return (table, source) if isinstance(table, dict) else ({}, None)
    return {}, None


def _load_toml(path: Path) -> dict[str, Any]:
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
            f"{plural(len(unknown), 'unknown key')} in [tool.labtax.teacher]: {', '.join(unknown)}",
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

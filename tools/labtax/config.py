"""Settings: `[tool.labtax]` in pyproject.toml (or `labtax.toml`), `LABTAX_*` variables, flags.

Precedence, lowest first: built-in defaults, the file, the environment, command-line flags (the
commands apply their flags over what `load_config` returns), as users of command-line tools expect.

The project is the one that holds the taxonomy: with an explicit taxonomy directory its root (the
settings, `generated/`, the cache, the git repository) is found from that directory, not from the
current one.

`[tool.labtax.generation]` (`GenerationConfig`) holds the volumes of a run;
`[tool.labtax.teacher.stages.<stage>]` sets one prompt stage's temperature and answer limit. Bad
values are errors located at their line in the file.
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

    @property
    def servers(self) -> tuple[str, ...]:
        """The servers to use. `api_base` (several, comma-separated) wins over `api_bases`: it is
        what the environment and the `--api-base` flag set."""
        if self.api_base:
            return tuple(b.strip() for b in self.api_base.split(",") if b.strip())
        return tuple(b for b in self.api_bases if b)


@dataclass(frozen=True)
class GenerationConfig:
    """How much data a leaf gets and what bounds producing it (`[tool.labtax.generation]`).

    A skill leaf aims for `samples_per_leaf` kept samples (sdg keeps about 30 per skill leaf); a
    knowledge leaf for `samples_per_chunk` question/answer pairs from every chunk of its
    documents, plus one sample of each auxiliary form per chunk. Rounds after the first ask for
    the shortfall, up to `max_rounds` rounds and `max_calls_per_leaf` teacher answers. Chunks are
    about `chunk_tokens` long (less when the teacher's `context_tokens` minus the answer and the
    rest of the prompt leave less room), with `chunk_overlap_tokens` repeated from the chunk
    before when a section continues.
    """

    samples_per_leaf: int = 30
    samples_per_chunk: int = 5
    max_rounds: int = 4
    max_calls_per_leaf: int = 2000
    context_tokens: int = 8192
    chunk_tokens: int = 512
    chunk_overlap_tokens: int = 64


# The generation settings a LABTAX_* variable can set, by variable.
GENERATION_VARIABLES = {
    f"LABTAX_{f.name.upper()}": f.name
    for f in fields(GenerationConfig)
    if f.name not in {"chunk_tokens", "chunk_overlap_tokens"}
}


@dataclass(frozen=True)
class StageOverride:
    """One prompt stage's own temperature and answer limit; None keeps the default (the
    teacher's `max_tokens`; temperature 0 for judges, the teacher's for the other stages)."""

    temperature: float | None = None
    max_tokens: int | None = None


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
    generation: GenerationConfig = field(default_factory=GenerationConfig)
    # `[tool.labtax.teacher.stages.<stage>]`, by stage.
    teacher_stages: Mapping[str, StageOverride] = field(default_factory=dict)

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
    teacher_table = table.get("teacher", {})
    settings = _SettingsFile.of(root)
    generation = _generation(table.get("generation", {}), teacher_table, env, settings)
    stages = _stages(teacher_table, settings)
    if isinstance(teacher_table, dict):
        # Read above: the volume setting's old home, and the per-stage tables.
        teacher_table = {
            k: v for k, v in teacher_table.items() if k not in {"samples_per_leaf", "stages"}
        }
    teacher = _teacher(teacher_table, env, root)
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
        generation=generation,
        teacher_stages=stages,
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
            hint=f"known keys: {', '.join(sorted([*known, 'stages']))}",
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


# ---------------------------------------------------------------------------------------------
# Generation volumes and per-stage call settings, with errors located in the settings file


@dataclass(frozen=True)
class _SettingsFile:
    """The file settings come from and the prefix of its labtax tables (`tool.labtax.` in a
    pyproject.toml, none in a labtax.toml), to point an error at the line of a bad value."""

    path: Path
    prefix: str

    @staticmethod
    def of(root: Path) -> _SettingsFile:
        own = root / "labtax.toml"
        if own.is_file():
            return _SettingsFile(own, "")
        return _SettingsFile(root / "pyproject.toml", "tool.labtax.")

    @staticmethod
    def name(table: str) -> str:
        """How messages name a table, whichever file holds it."""
        return f"[tool.labtax.{table}]"

    def locate(self, table: str, key: str | None = None) -> Location:
        """Where `key` is set in `[table]` (or the table's header without a key; the file when
        neither is found)."""
        header = f"{self.prefix}{table}"
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return Location(str(self.path))
        current = ""
        header_line: int | None = None
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            if stripped.startswith("[") and stripped.endswith("]"):
                current = stripped.strip("[]").replace(" ", "").replace('"', "")
                if current == header:
                    header_line = number
                continue
            if current == header and key is not None:
                name = stripped.split("=", 1)[0].strip().strip('"')
                if "=" in stripped and name == key:
                    return Location(str(self.path), number, line.index(stripped[0]) + 1)
        if header_line is not None:
            return Location(str(self.path), header_line, 1)
        return Location(str(self.path))


def _generation(
    raw: object, teacher: object, env: Mapping[str, str], settings: _SettingsFile
) -> GenerationConfig:
    if not isinstance(raw, dict):
        raise LabtaxError(
            f"{settings.name('generation')} must be a table", location=settings.locate("generation")
        )
    known = {f.name for f in fields(GenerationConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise LabtaxError(
            f"unknown key(s) in {settings.name('generation')}: {', '.join(unknown)}",
            hint=f"known keys: {', '.join(sorted(known))}",
            location=settings.locate("generation", unknown[0]),
        )
    values: dict[str, int] = {}
    for name in sorted(known):
        if name in raw:
            values[name] = _count_value(raw[name], name, settings, "generation")
    legacy = teacher.get("samples_per_leaf") if isinstance(teacher, dict) else None
    if legacy is not None:
        # Its old home: still read, so existing settings keep working.
        if "samples_per_leaf" in values:
            raise LabtaxError(
                "samples_per_leaf is set in both the teacher and the generation table",
                hint=f"keep it in {settings.name('generation')} only",
                location=settings.locate("teacher", "samples_per_leaf"),
            )
        values["samples_per_leaf"] = _count_value(legacy, "samples_per_leaf", settings, "teacher")
    for variable, name in GENERATION_VARIABLES.items():
        text = env.get(variable)
        if text:
            if not text.strip().isdigit() or int(text) < 1:
                raise LabtaxError(
                    f"{variable} must be a positive integer, got {text!r}",
                    hint=f"unset it, or set it like {variable}=10",
                )
            values[name] = int(text)
    config = replace(GenerationConfig(), **values)
    if config.chunk_overlap_tokens >= config.chunk_tokens:
        raise LabtaxError(
            f"chunk_overlap_tokens ({config.chunk_overlap_tokens}) must be less than chunk_tokens"
            f" ({config.chunk_tokens})",
            hint="a chunk repeats less of the chunk before it than it holds",
            location=settings.locate("generation", "chunk_overlap_tokens"),
        )
    return config


def _count_value(value: object, name: str, settings: _SettingsFile, table: str) -> int:
    least = 0 if name == "chunk_overlap_tokens" else 1
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        kind = "a non-negative" if least == 0 else "a positive"
        raise LabtaxError(
            f"{settings.name(table)} {name} must be {kind} integer, got {value!r}",
            location=settings.locate(table, name),
        )
    return value


_STAGE_KEYS = ("max_tokens", "temperature")
MAX_TEMPERATURE = 2.0


def _stages(teacher: object, settings: _SettingsFile) -> dict[str, StageOverride]:
    """`[tool.labtax.teacher.stages.<stage>]`: the generation stages' own call settings."""
    raw = teacher.get("stages", {}) if isinstance(teacher, dict) else {}
    where = "teacher.stages"
    if not isinstance(raw, dict):
        raise LabtaxError(
            f"{settings.name(where)} must hold one table per stage",
            location=settings.locate("teacher", "stages"),
        )
    # The protocol's stage table; imported here because prompts reads leaves, which read config.
    from labtax.prompts import GENERATION

    out: dict[str, StageOverride] = {}
    for name, table in sorted(raw.items()):
        at = f"{where}.{name}"
        if name not in GENERATION:
            raise LabtaxError(
                f"{settings.name(at)}: no generation stage is called {name!r}",
                hint=f"stages: {', '.join(GENERATION)}",
                location=settings.locate(at),
            )
        if not isinstance(table, dict):
            raise LabtaxError(
                f"{settings.name(at)} must be a table of {' and '.join(_STAGE_KEYS)}",
                location=settings.locate(where, name),
            )
        unknown = sorted(set(table) - set(_STAGE_KEYS))
        if unknown:
            raise LabtaxError(
                f"unknown key(s) in {settings.name(at)}: {', '.join(unknown)}",
                hint=f"a stage takes {' and '.join(_STAGE_KEYS)}",
                location=settings.locate(at, unknown[0]),
            )
        temperature = table.get("temperature")
        if temperature is not None and (
            isinstance(temperature, bool)
            or not isinstance(temperature, int | float)
            or not 0 <= temperature <= MAX_TEMPERATURE
        ):
            raise LabtaxError(
                f"{settings.name(at)} temperature must be a number from 0 to"
                f" {MAX_TEMPERATURE:g}, got {temperature!r}",
                location=settings.locate(at, "temperature"),
            )
        max_tokens = table.get("max_tokens")
        if max_tokens is not None:
            max_tokens = _count_value(max_tokens, "max_tokens", settings, at)
        out[name] = StageOverride(None if temperature is None else float(temperature), max_tokens)
    return out

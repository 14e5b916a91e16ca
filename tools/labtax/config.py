"""Settings: `[tool.labtax]` in pyproject.toml (or `labtax.toml`), `LABTAX_*` variables, flags.

Precedence, lowest first: built-in defaults, the file, the environment, command-line flags (the
commands apply their flags over what `load_config` returns), as users of command-line tools expect.

The project is the one that holds the taxonomy: with an explicit taxonomy directory its root (the
settings, `generated/`, the cache, the git repository) is found from that directory, not from the
current one.

`[tool.labtax.generation]` (`GenerationConfig`) holds the volumes of a run;
`[tool.labtax.teacher.stages.<stage>]` sets one prompt stage's temperature and answer limit. Bad
values are errors located at their line in the file.

The module is one piece on purpose: every setting passes through the same precedence and the same
located errors here, so a new setting cannot be read by other rules elsewhere. Reading the
settings file itself (and locating a key in it) is `settingsfile`'s.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path, PurePosixPath
from typing import Any

from labtax.errors import LabtaxError
from labtax.ruleconfig import RuleLevels, parse_rules
from labtax.settingsfile import SettingsFile, read_settings
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
    # Who is asked, as messages name it: the teacher, or the student `labtax eval` asks.
    role: str = "teacher"

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
    return replace(TeacherConfig(), model="", temperature=0.0, role="student")


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
    """The nearest directory at or above `start` holding labtax settings, a taxonomy, or `.git`
    (`start` itself when there is none)."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if is_project(candidate):
            return candidate
    return start


def is_project(directory: Path) -> bool:
    """Whether `directory` holds labtax settings, a taxonomy, or `.git`."""
    if is_settings_dir(directory):
        return True
    return (directory / "taxonomy").is_dir() or (directory / ".git").exists()


def is_settings_dir(directory: Path) -> bool:
    """Whether `directory` holds labtax settings (`labtax.toml`, or `[tool.labtax]`)."""
    return (directory / "labtax.toml").is_file() or _has_tool_labtax(directory / "pyproject.toml")


@dataclass(frozen=True)
class Names:
    """The names a settings file may use that higher layers define: the rules registry's ids and
    the prompt protocol's generation stages. Each is asked for only when the file names any (the
    registry imports every rule module), and given by the caller so that the settings depend on
    neither."""

    rule_ids: Callable[[], Collection[str]]
    stages: Callable[[], Collection[str]]


def load_config(
    start: Path | None = None,
    *,
    taxonomy: Path | None = None,
    environ: Mapping[str, str] | None = None,
    names: Names | None = None,
) -> Config:
    """Resolve settings for the project containing `start`: by default the project holding an
    explicit `taxonomy` directory, else the one around the current directory. Rule ids and stage
    names are checked against `names` (the commands pass the registries); without them only the
    shape of those tables is."""
    env = os.environ if environ is None else environ
    if taxonomy is not None:
        taxonomy = taxonomy.resolve()
    root = find_root(start or taxonomy or Path.cwd())
    table, settings = read_settings(root)
    tax = taxonomy or _taxonomy_dir(root, table.get("taxonomy"))
    generated = root / str(table.get("generated", "generated"))
    cache = Path(env.get("LABTAX_CACHE_DIR") or root / str(table.get("cache_dir", ".labtax/cache")))
    max_bytes = _int_setting(table, "max_file_bytes", DEFAULT_MAX_FILE_BYTES, settings)
    teacher_table = table.get("teacher", {})
    generation = _generation(table.get("generation", {}), teacher_table, env, settings)
    stages = _stages(teacher_table, settings, names)
    if isinstance(teacher_table, dict):
        # Read above: the volume setting's old home, and the per-stage tables.
        teacher_table = {
            k: v for k, v in teacher_table.items() if k not in {"samples_per_leaf", "stages"}
        }
    teacher = _model(teacher_table, "teacher", settings, env, TeacherConfig())
    protocols = _protocols(env.get("LABTAX_DOCUMENT_PROTOCOLS"), table.get("document_protocols"))
    evaluations = root / str(table.get("evaluations", "evaluations"))
    held_out = root / str(table["held_out"]) if table.get("held_out") else None
    student = _model(table.get("student", {}), "student", settings, env, default_student())
    rules = _rules(table.get("rules"), settings, names)
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
        documents=_documents_setting(table.get("documents", DEFAULT_DOCUMENTS), settings),
        document_max_bytes=_int_setting(
            table, "document_max_bytes", DEFAULT_DOCUMENT_MAX_BYTES, settings
        ),
        document_fetch_timeout=_seconds_setting(
            table, "document_fetch_timeout", DEFAULT_DOCUMENT_FETCH_TIMEOUT, settings
        ),
        generation=generation,
        teacher_stages=stages,
    )


def _rules(raw: object, settings: SettingsFile, names: Names | None) -> RuleLevels:
    if raw is None:
        return RuleLevels()
    return parse_rules(raw, None if names is None else names.rule_ids(), settings)


def _documents_setting(value: object, settings: SettingsFile) -> str:
    """The documents folder: a plain relative path below the root, no hidden or `..` segment."""
    text = value if isinstance(value, str) else ""
    parts = PurePosixPath(text).parts
    if not parts or text.startswith("/") or any(p.startswith(".") or "\\" in p for p in parts):
        raise LabtaxError(
            f"{settings.name()} documents must be a folder below the project root, got {value!r}",
            hint='e.g. documents = "documents" (no leading /, no "..", no hidden folder)',
            location=settings.locate("documents"),
        )
    return "/".join(parts)


def _seconds_setting(
    table: Mapping[str, Any], key: str, default: float, settings: SettingsFile
) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 86_400:
        raise LabtaxError(
            f"{settings.name()} {key} must be a number of seconds above 0, got {value!r}",
            location=settings.locate(key),
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


def _int_setting(table: Mapping[str, Any], key: str, default: int, settings: SettingsFile) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise LabtaxError(
            f"{settings.name()} {key} must be a positive integer, got {value!r}",
            location=settings.locate(key),
        )
    return int(value)


def _model(
    raw: object, name: str, settings: SettingsFile, env: Mapping[str, str], base: TeacherConfig
) -> TeacherConfig:
    """A model's transport settings (`[tool.labtax.teacher]`, `[tool.labtax.student]`) under its
    `LABTAX_<NAME>_MODEL`, `_API_BASE` and `_API_KEY` variables; a key only ever comes from the
    environment."""
    if not isinstance(raw, dict):
        raise LabtaxError(f"{settings.name(name)} must be a table", location=settings.locate(name))
    if "api_key" in raw:
        raise LabtaxError(
            "api_key must not be stored in a settings file",
            hint=f"set LABTAX_{name.upper()}_API_KEY in the environment instead",
            location=settings.locate(name, "api_key"),
        )
    known = {f.name for f in fields(TeacherConfig)} - {"api_key"}
    unknown = sorted(set(raw) - known)
    if unknown:
        # The teacher's own table also holds `stages`, read (and removed) before this.
        shown = sorted([*known, "stages"] if name == "teacher" else known)
        raise LabtaxError(
            f"{plural(len(unknown), 'unknown key')} in {settings.name(name)}: {', '.join(unknown)}",
            hint=f"known keys: {', '.join(shown)}",
            location=settings.locate(name, unknown[0]),
        )
    values: dict[str, Any] = dict(raw)
    if "api_bases" in values:
        values["api_bases"] = tuple(str(b) for b in values["api_bases"])
    config = replace(base, **values)
    variable = f"LABTAX_{name.upper()}"
    return replace(
        config,
        model=env.get(f"{variable}_MODEL") or config.model,
        api_base=env.get(f"{variable}_API_BASE") or config.api_base,
        api_key=env.get(f"{variable}_API_KEY") or None,
    )


# ---------------------------------------------------------------------------------------------
# Generation volumes and per-stage call settings, with errors located in the settings file


def _generation(
    raw: object, teacher: object, env: Mapping[str, str], settings: SettingsFile
) -> GenerationConfig:
    if not isinstance(raw, dict):
        raise LabtaxError(
            f"{settings.name('generation')} must be a table", location=settings.locate("generation")
        )
    known = {f.name for f in fields(GenerationConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise LabtaxError(
            f"{plural(len(unknown), 'unknown key')} in {settings.name('generation')}: "
            f"{', '.join(unknown)}",
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


def _count_value(value: object, name: str, settings: SettingsFile, table: str) -> int:
    least = 0 if name == "chunk_overlap_tokens" else 1
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        kind = "a non-negative" if least == 0 else "a positive"
        raise LabtaxError(
            f"{settings.name(*table.split('.'))} {name} must be {kind} integer, got {value!r}",
            location=settings.locate(*table.split("."), name),
        )
    return value


_STAGE_KEYS = ("max_tokens", "temperature")
MAX_TEMPERATURE = 2.0


def _stages(
    teacher: object, settings: SettingsFile, names: Names | None
) -> dict[str, StageOverride]:
    """`[tool.labtax.teacher.stages.<stage>]`: the generation stages' own call settings."""
    raw = teacher.get("stages", {}) if isinstance(teacher, dict) else {}
    where = "teacher.stages"
    if not isinstance(raw, dict):
        raise LabtaxError(
            f"{settings.name(*where.split('.'))} must hold one table per stage",
            location=settings.locate("teacher", "stages"),
        )
    known = None if names is None or not raw else names.stages()
    out: dict[str, StageOverride] = {}
    for name, table in sorted(raw.items()):
        at = f"{where}.{name}"
        if known is not None and name not in known:
            raise LabtaxError(
                f"{settings.name(*at.split('.'))}: no generation stage is called {name!r}",
                hint=f"stages: {', '.join(known)}",
                location=settings.locate(*at.split(".")),
            )
        if not isinstance(table, dict):
            raise LabtaxError(
                f"{settings.name(*at.split('.'))} must be a table of {' and '.join(_STAGE_KEYS)}",
                location=settings.locate(*where.split("."), name),
            )
        unknown = sorted(set(table) - set(_STAGE_KEYS))
        if unknown:
            raise LabtaxError(
                f"{plural(len(unknown), 'unknown key')} in {settings.name(*at.split('.'))}: "
                f"{', '.join(unknown)}",
                hint=f"a stage takes {' and '.join(_STAGE_KEYS)}",
                location=settings.locate(*at.split("."), unknown[0]),
            )
        temperature = table.get("temperature")
        if temperature is not None and (
            isinstance(temperature, bool)
            or not isinstance(temperature, int | float)
            or not 0 <= temperature <= MAX_TEMPERATURE
        ):
            raise LabtaxError(
                f"{settings.name(*at.split('.'))} temperature must be a number from 0 to"
                f" {MAX_TEMPERATURE:g}, got {temperature!r}",
                location=settings.locate(*at.split("."), "temperature"),
            )
        max_tokens = table.get("max_tokens")
        if max_tokens is not None:
            max_tokens = _count_value(max_tokens, "max_tokens", settings, at)
        out[name] = StageOverride(None if temperature is None else float(temperature), max_tokens)
    return out

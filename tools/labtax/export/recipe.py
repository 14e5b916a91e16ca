"""The export recipe: how a training mix is made, read from a file or `[tool.labtax.export]`.

`recipe_source` finds it (a file, or the settings' export table) and locates its keys; this module
checks it and fills in the defaults. Every key is optional:

| key | default | what |
|---|---|---|
| `seed` | 42 | every seeded choice (split, weights, RAFT, replay, shuffle) |
| `system_prompt` | see `DEFAULT_SYSTEM_PROMPT` | first message of every conversation; `""`: none |
| `test_fraction` | 0.05 | share of a leaf's questions held out for `test` (0 to below 1) |
| `test_min` | 1 | held out per leaf at least (never more than half the leaf) |
| `weights` | `{}` | leaf-id glob or branch -> multiplier of the leaf's train samples |
| `max_per_leaf` | 0 | cap on a leaf's train samples after weighting; 0 for none |
| `knowledge_replay` | 1.0 | share of the knowledge phase's train rows replayed into skills |
| `min_knowledge_share` | 0.0 | least share of knowledge rows in the skills phase (below 1) |
| `knowledge_short_tokens` | 256 | rows of at most this many tokens are `short` (trained first) |
| `raft.p` | 0.4 | probability that a RAFT row's documents include the right chunk |
| `raft.distractors` | 3 | distractor chunks per RAFT row; 0 for no RAFT rows |
| `replay` | `[]` | outside datasets: `name`, `path`, `knowledge` and `skills` ratios |
| `decontamination` | 0.9 | ROUGE-L at which a train user turn is a near-duplicate of a test one |
| `formats` | `["jsonl"]` | `jsonl` is always written; add `parquet` for Parquet files too |

Unknown keys and values of the wrong type or range are `LabtaxError`s located at the key (the
`Locate` function the source gives). A replay `path` is relative to the recipe file's directory
(the project root for the settings table). `resolved_text` is the recipe with every default
filled in, as the export writes it next to the mix.

The module is one piece (over 400 lines): it is the whole recipe format, each key's type,
range, default and located error next to the others, and the resolved text written back from
the same table, so a new key cannot be read one way and written another.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from labtax.errors import LabtaxError, Location
from labtax.export.rows import PHASES

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant. Answer accurately and concisely."
FORMATS = ("jsonl", "parquet")
RESOLVED_NAME = "recipe.yaml"

KeyPath = tuple[str | int, ...]
Locate = Callable[[KeyPath], Location]

_TOP_KEYS = (
    "decontamination",
    "formats",
    "knowledge_replay",
    "knowledge_short_tokens",
    "max_per_leaf",
    "min_knowledge_share",
    "raft",
    "replay",
    "seed",
    "system_prompt",
    "test_fraction",
    "test_min",
    "weights",
)
_RAFT_KEYS = ("distractors", "p")
_REPLAY_KEYS = ("knowledge", "name", "path", "skills")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Upper bounds: past them a recipe asks for a mix of no use (and terabytes of writing).
MAX_WEIGHT = 1000  # copies of a leaf's train samples
MAX_RATIO = 100  # knowledge_replay, and a replay source's rows per row of a phase
MAX_DISTRACTORS = 50  # distractor chunks in one RAFT turn


@dataclass(frozen=True)
class LeafWeight:
    """`pattern` (a leaf id glob, or a branch that covers every leaf below it) and its weight."""

    pattern: str
    weight: float
    where: Location


@dataclass(frozen=True)
class RaftSettings:
    """RAFT rows: `distractors` other chunks in the user turn, the right one too with
    probability `p`."""

    p: float = 0.4
    distractors: int = 3


@dataclass(frozen=True)
class ReplaySource:
    """An outside dataset replayed into the phases, `ratios[phase]` rows per row of the phase."""

    name: str
    path: Path
    ratios: Mapping[str, float]
    where: Location


@dataclass(frozen=True)
class Recipe:
    """A resolved recipe; `origin` says where it came from, `locations` where each key was set."""

    seed: int = 42
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    test_fraction: float = 0.05
    test_min: int = 1
    weights: tuple[LeafWeight, ...] = ()
    max_per_leaf: int = 0
    knowledge_replay: float = 1.0
    min_knowledge_share: float = 0.0
    knowledge_short_tokens: int = 256
    raft: RaftSettings = field(default_factory=RaftSettings)
    replay: tuple[ReplaySource, ...] = ()
    decontamination: float = 0.9
    formats: tuple[str, ...] = ("jsonl",)
    origin: str = "defaults"
    locations: Mapping[str, Location] = field(default_factory=dict)

    def where(self, key: str) -> Location:
        """Where `key` was set, or the recipe's origin when it is a default."""
        return self.locations.get(key) or Location(self.origin)


# ---------------------------------------------------------------------------------------------
# Checking a recipe


def parse_recipe(raw: object, locate: Locate, origin: str, base: Path) -> Recipe:
    """The recipe in `raw` (parsed YAML or TOML), every problem located with `locate`;
    relative replay paths are taken from `base`."""
    check = _Checker(locate)
    top = check.table(raw, (), _TOP_KEYS)
    raft = check.table(top.get("raft", {}), ("raft",), _RAFT_KEYS)
    defaults = Recipe()
    return Recipe(
        seed=check.integer(top, ("seed",), defaults.seed, least=0),
        system_prompt=check.text(top, ("system_prompt",), defaults.system_prompt),
        test_fraction=check.number(
            top, ("test_fraction",), defaults.test_fraction, low=0, high=1, below_high=True
        ),
        test_min=check.integer(top, ("test_min",), defaults.test_min, least=0),
        weights=_weights(check, top),
        max_per_leaf=check.integer(top, ("max_per_leaf",), defaults.max_per_leaf, least=0),
        knowledge_replay=check.number(
            top, ("knowledge_replay",), defaults.knowledge_replay, low=0, high=MAX_RATIO
        ),
        min_knowledge_share=check.number(
            top,
            ("min_knowledge_share",),
            defaults.min_knowledge_share,
            low=0,
            high=1,
            below_high=True,
        ),
        knowledge_short_tokens=check.integer(
            top, ("knowledge_short_tokens",), defaults.knowledge_short_tokens, least=0
        ),
        raft=RaftSettings(
            p=check.number(raft, ("raft", "p"), defaults.raft.p, low=0, high=1),
            distractors=check.integer(
                raft,
                ("raft", "distractors"),
                defaults.raft.distractors,
                least=0,
                most=MAX_DISTRACTORS,
            ),
        ),
        replay=_replay(check, top, base),
        decontamination=_threshold(check, top),
        formats=_formats(check, top),
        origin=origin,
        locations={key: locate((key,)) for key in top},
    )


class _Checker:
    """Type and range checks that locate each problem at its key."""

    def __init__(self, locate: Locate) -> None:
        self.locate = locate

    def fail(self, keys: KeyPath, message: str, hint: str = "") -> LabtaxError:
        return LabtaxError(
            message,
            hint=hint or "see the recipe keys in the README (labtax export)",
            location=self.locate(keys),
        )

    def table(self, value: object, keys: KeyPath, known: Sequence[str] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            what = f"recipe key {_name(keys)}" if keys else "a recipe"
            raise self.fail(keys, f"{what} must be a mapping of keys to values")
        for key in value:
            if not isinstance(key, str):
                raise self.fail(keys, f"recipe keys are text, not {key!r}")
            if known is not None and key not in known:
                raise self.fail(
                    (*keys, key),
                    f"unknown recipe key {_name((*keys, key))}",
                    hint=f"known keys here: {', '.join(known)}",
                )
        return value

    def integer(
        self,
        table: Mapping[str, Any],
        keys: KeyPath,
        default: int,
        least: int,
        most: int | None = None,
    ) -> int:
        value = table.get(str(keys[-1]), default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < least
            or (most is not None and value > most)
        ):
            span = f"from {least}" if most is None else f"from {least} to {most}"
            raise self.fail(
                keys,
                f"recipe key {_name(keys)} must be an integer {span}, got {_shown(value)}",
                hint=_text_hint(value),
            )
        return value

    def number(
        self,
        table: Mapping[str, Any],
        keys: KeyPath,
        default: float,
        *,
        low: float,
        high: float | None = None,
        below_high: bool = False,
    ) -> float:
        value = table.get(str(keys[-1]), default)
        ok = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value >= low
        )
        if ok and high is not None:
            ok = value < high if below_high else value <= high
        if not ok:
            span = f"from {low}" if high is None else f"from {low} to {high}"
            span += " (excluded)" if below_high else ""
            raise self.fail(
                keys,
                f"recipe key {_name(keys)} must be a number {span}, got {_shown(value)}",
                hint=_text_hint(value),
            )
        return float(value)

    def text(self, table: Mapping[str, Any], keys: KeyPath, default: str) -> str:
        value = table.get(str(keys[-1]), default)
        if not isinstance(value, str):
            raise self.fail(keys, f"recipe key {_name(keys)} must be text, got {value!r}")
        return value


def _weights(check: _Checker, top: Mapping[str, Any]) -> tuple[LeafWeight, ...]:
    table = check.table(top.get("weights", {}), ("weights",), None)
    found = []
    for pattern in sorted(table):
        keys = ("weights", pattern)
        weight = check.number(table, keys, 1.0, low=0, high=MAX_WEIGHT)
        if not pattern.strip("/") or pattern.startswith("/") or ".." in pattern.split("/"):
            raise check.fail(
                keys,
                f"weight pattern {pattern!r} is not a leaf id glob",
                hint="write a path inside the taxonomy, e.g. knowledge/science or "
                "compositional_skills/*/haiku",
            )
        found.append(LeafWeight(pattern.strip("/"), weight, check.locate(keys)))
    return tuple(found)


def _replay(check: _Checker, top: Mapping[str, Any], base: Path) -> tuple[ReplaySource, ...]:
    items = top.get("replay", [])
    if not isinstance(items, list):
        raise check.fail(("replay",), 'recipe key "replay" must be a list of sources')
    sources: list[ReplaySource] = []
    for index, item in enumerate(items):
        keys: KeyPath = ("replay", index)
        entry = check.table(item, keys, _REPLAY_KEYS)
        for required in ("name", "path"):
            if required not in entry:
                raise check.fail(keys, f"a replay source needs a {required!r}")
        name = check.text(entry, (*keys, "name"), "")
        if not _NAME.fullmatch(name) or any(s.name == name for s in sources):
            raise check.fail(
                (*keys, "name"),
                f"replay name {name!r} must be unique and made of letters, digits, _ . -",
            )
        ratios = {
            phase: check.number(entry, (*keys, phase), 0.0, low=0, high=MAX_RATIO)
            for phase in PHASES
        }
        if not any(ratios.values()):
            raise check.fail(
                keys,
                f"replay source {name!r} has no ratio",
                hint="set knowledge and/or skills: replayed rows per row of that phase",
            )
        written = check.text(entry, (*keys, "path"), "")
        path = Path(written) if Path(written).is_absolute() else base / written
        if not written or not path.exists():
            raise check.fail(
                (*keys, "path"),
                f"replay path {written!r} does not exist",
                hint="point it at a JSONL or Parquet file, or at the directory of a previous mix",
            )
        sources.append(ReplaySource(name, path.resolve(), ratios, check.locate(keys)))
    return tuple(sources)


def _threshold(check: _Checker, top: Mapping[str, Any]) -> float:
    value = check.number(top, ("decontamination",), 0.9, low=0, high=1)
    if value == 0:
        raise check.fail(
            ("decontamination",),
            'recipe key "decontamination" must be above 0 (0 would call every pair a duplicate)',
        )
    return value


def _formats(check: _Checker, top: Mapping[str, Any]) -> tuple[str, ...]:
    value = top.get("formats", ["jsonl"])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise check.fail(("formats",), 'recipe key "formats" must be a list of format names')
    unknown = sorted(set(value) - set(FORMATS))
    if unknown:
        raise check.fail(
            ("formats",),
            f"unknown output format {unknown[0]!r}",
            hint=f"choose from {', '.join(FORMATS)}",
        )
    return tuple(f for f in FORMATS if f in value or f == "jsonl")


def with_formats(recipe: Recipe, extra: Sequence[str]) -> Recipe:
    """`recipe` writing `extra` formats too (the command line's `--format`)."""
    wanted = set(recipe.formats) | set(extra)
    return replace(recipe, formats=tuple(f for f in FORMATS if f in wanted))


def _shown(value: object) -> str:
    """A wrong value as an error shows it; text that reads as a number is called text."""
    return f"the text {value!r}" if _numeric_text(value) is not None else repr(value)


def _numeric_text(value: object) -> float | None:
    """The number a text value spells (`8e-1`), when it spells a finite one."""
    if not isinstance(value, str):
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _text_hint(value: object) -> str:
    """For a number read as text: why, and how to write it so YAML reads a number."""
    number = _numeric_text(value)
    if number is None:
        return ""
    return (
        "YAML reads a number with an exponent but no dot (8e-1, 1e7) as text, as it does a "
        f"quoted one: write {_plain(number)}"
    )


def _plain(number: float) -> str:
    """`number` written so that YAML and TOML both read a number: 0.8, 10000000, 1.0e+20."""
    if number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    text = repr(number)
    mantissa, exponent = text.split("e") if "e" in text else (text, "")
    if exponent and "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}e{exponent}" if exponent else mantissa


def _name(keys: KeyPath) -> str:
    return '"' + ".".join(str(k) for k in keys) + '"'


# ---------------------------------------------------------------------------------------------
# The resolved recipe, as written next to the mix


def resolved(recipe: Recipe, out: Path) -> dict[str, Any]:
    """Every key with its value; replay paths relative to `out`, where the recipe is written."""
    return {
        "decontamination": recipe.decontamination,
        "formats": list(recipe.formats),
        "knowledge_replay": recipe.knowledge_replay,
        "knowledge_short_tokens": recipe.knowledge_short_tokens,
        "max_per_leaf": recipe.max_per_leaf,
        "min_knowledge_share": recipe.min_knowledge_share,
        "raft": {"distractors": recipe.raft.distractors, "p": recipe.raft.p},
        "replay": [
            {
                "knowledge": source.ratios["knowledge"],
                "name": source.name,
                "path": os.path.relpath(source.path, out.resolve()),
                "skills": source.ratios["skills"],
            }
            for source in recipe.replay
        ],
        "seed": recipe.seed,
        "system_prompt": recipe.system_prompt,
        "test_fraction": recipe.test_fraction,
        "test_min": recipe.test_min,
        "weights": {w.pattern: w.weight for w in recipe.weights},
    }


def resolved_text(recipe: Recipe, out: Path) -> str:
    """The resolved recipe as YAML that `--recipe` reads back (sorted keys, no timestamps)."""
    body = yaml.safe_dump(
        resolved(recipe, out), sort_keys=True, allow_unicode=True, default_flow_style=False
    )
    return (
        f"# The recipe this mix was made with (labtax export), every default filled in.\n"
        f"# It came from: {recipe.origin}\n{body}"
    )

"""The JSON Schemas in `schema/` (the only definition of leaf shape) and located schema diagnostics.

A leaf is checked against the schema of its kind at its own version, as instructlab-schema does
when a file is checked at its declared version. Schemas are loaded and compiled once per process.
Valid leaves take the fast path (`is_valid`); errors are only enumerated for invalid ones.

The fast predicate compiler and the diagnostic locator stay together with the loader: both read the
same schema documents, and the compiler must give exactly jsonschema's verdict on them.

The module is one piece (over 400 lines) for that reason: the loader, the compiler and the locator
are three views of the same schema documents, kept in step by living together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from difflib import get_close_matches
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import Leaf, LeafKind
from labtax.util import plural
from labtax.yamldoc import PathKey

if TYPE_CHECKING:
    # jsonschema takes ~50 ms to import; a run over valid leaves never needs it (see is_valid).
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_RULE = "schema"
VERSION_RULE = "version-unsupported"
LATEST_VERSION = 3
SKILL_VERSIONS = (1, 2, 3)
KNOWLEDGE_VERSIONS = (3,)

_KNOWLEDGE_MIGRATION = (
    "set version: 3, add document_outline, give each seed example a context with at least 3 "
    "questions_and_answers, and drop task_description"
)


def schema_name(kind: LeafKind, version: int) -> str:
    """The file name (in `schema/`) of the schema for a leaf kind at a version."""
    prefix = "knowledge" if kind is LeafKind.KNOWLEDGE else "skill"
    return f"{prefix}_v{version}.json"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A schema document by file name, read from the package data."""
    text = resources.files("labtax").joinpath("schema", name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def validator(name: str) -> Draft202012Validator:
    """The compiled validator for a schema file, built once per process."""
    from jsonschema import Draft202012Validator  # lazily: see TYPE_CHECKING above

    return Draft202012Validator(load_schema(name))


def effective_version(data: Mapping[str, Any]) -> int | None:
    """The version a leaf is checked at, read the way instructlab-schema reads it.

    A missing `version` means 1; a value that is not an integer but converts to one (`"3"`, `3.0`)
    selects that schema, which then reports the wrong type. None means no schema applies.
    """
    raw = data.get("version", 1)
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    try:
        return int(raw)
    except (TypeError, ValueError, OverflowError):
        return 1


def check(leaf: Leaf) -> list[Diagnostic]:
    """Schema diagnostics for a loaded leaf, each located at the node it is about."""
    version = effective_version(leaf.data)
    supported = KNOWLEDGE_VERSIONS if leaf.kind is LeafKind.KNOWLEDGE else SKILL_VERSIONS
    if version is None or version not in supported:
        return [_unsupported(leaf, version)]
    name = schema_name(leaf.kind, version)
    if is_valid(name, leaf.data):
        return []
    return _located(leaf, validator(name).iter_errors(leaf.data))


def is_valid(name: str, instance: Any) -> bool:
    """Whether `instance` satisfies schema `name`; the same verdict as jsonschema, faster."""
    return _fast_check(name)(instance)


Check = Callable[[Any], bool]

# Keywords that only annotate; they never change a verdict.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "examples"})
_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
}


@cache
def _fast_check(name: str) -> Check:
    """A predicate compiled from the schema's own keywords, falling back to jsonschema.

    jsonschema walks every subschema through generic machinery (about 0.7 ms for a knowledge
    leaf, more than parsing it); the subset of keywords our schemas use compiles to a few plain
    closures. A schema using any other keyword is checked by jsonschema itself.
    """
    try:
        return _compile(load_schema(name))
    except _UnsupportedKeywordError:
        compiled = validator(name)
        return lambda v: bool(compiled.is_valid(v))


class _UnsupportedKeywordError(Exception):
    """The schema uses a keyword the fast path does not implement."""


def _compile(schema: Mapping[str, Any]) -> Check:
    checks: list[Check] = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS or keyword in {"properties", "additionalProperties"}:
            continue
        if keyword in {"then", "else"}:
            continue  # compiled with their `if`
        if keyword == "if":
            checks.append(_conditional(value, schema.get("then"), schema.get("else")))
        elif keyword == "type" and isinstance(value, str) and value in _TYPES:
            checks.append(_TYPES[value])
        elif keyword in _KEYWORDS:
            checks.append(_KEYWORDS[keyword](value))
        else:
            raise _UnsupportedKeywordError(keyword)
    checks.extend(_object_checks(schema))
    return _all_of(checks)


def _conditional(condition: Any, then: Any, otherwise: Any) -> Check:
    """`if`/`then`/`else`: the `if` schema only chooses which of the other two applies."""
    parts = [condition, then or {}, otherwise or {}]
    if not all(isinstance(part, Mapping) for part in parts):
        raise _UnsupportedKeywordError("if")
    test, yes, no = (_compile(part) for part in parts)
    return lambda v: yes(v) if test(v) else no(v)


def _all_of(checks: list[Check]) -> Check:
    # Unrolled for the common short lists: this runs once per node of every leaf.
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    return lambda v: all(c(v) for c in checks)


def _required(keys: list[str]) -> Check:
    return lambda v: not isinstance(v, dict) or all(k in v for k in keys)


def _items(sub: Any) -> Check:
    if not isinstance(sub, Mapping):
        raise _UnsupportedKeywordError("items")
    each = _compile(sub)
    return lambda v: not isinstance(v, list) or all(each(x) for x in v)


def _min_items(low: int) -> Check:
    return lambda v: not isinstance(v, list) or len(v) >= low


def _min_length(low: int) -> Check:
    return lambda v: not isinstance(v, str) or len(v) >= low


def _unique_items(on: bool) -> Check:
    return lambda v: not on or not isinstance(v, list) or _unique(v)


def _const(expected: Any) -> Check:
    frozen = _frozen(expected)
    return lambda v: _frozen(v) == frozen


def _pattern(source: str) -> Check:
    regex = re.compile(source)
    return lambda v: not isinstance(v, str) or regex.search(v) is not None


_KEYWORDS: dict[str, Callable[[Any], Check]] = {
    "required": _required,
    "items": _items,
    "minItems": _min_items,
    "minLength": _min_length,
    "uniqueItems": _unique_items,
    "const": _const,
    "pattern": _pattern,
}


def _object_checks(schema: Mapping[str, Any]) -> list[Check]:
    extra = schema.get("additionalProperties", True)
    if not isinstance(extra, bool):
        raise _UnsupportedKeywordError("additionalProperties")
    props = {k: _compile(sub) for k, sub in schema.get("properties", {}).items()}
    if not props and extra:
        return []

    def check(value: Any) -> bool:
        if not isinstance(value, dict):
            return True
        for key, item in value.items():
            sub = props.get(key)
            if sub is None:
                if not extra:
                    return False
            elif not sub(item):
                return False
        return True

    return [check]


def _frozen(value: Any) -> Hashable:  # noqa: PLR0911 - one form per JSON type
    """A hashable stand-in with JSON Schema equality: 1 == 1.0, but true != 1."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", int(value) if isinstance(value, float) and value.is_integer() else value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("l", tuple(_frozen(v) for v in value))
    if isinstance(value, dict):
        if all(type(v) is str for v in value.values()):
            # The common case (seed examples): text only. Text never equals a non-text value,
            # so this shorter form cannot make unequal mappings look equal, nor the reverse.
            return ("t", frozenset(value.items()))
        return ("d", frozenset((k, _frozen(v)) for k, v in value.items()))
    return ("z", None)


def _unique(items: list[Any]) -> bool:
    if all(type(item) is dict for item in items):
        # Equal mappings have equal text entries, so distinct text entries prove uniqueness
        # without freezing nested values (a knowledge example's questions_and_answers).
        texts = {frozenset((k, v) for k, v in item.items() if type(v) is str) for item in items}
        if len(texts) == len(items):
            return True
    return len({_frozen(v) for v in items}) == len(items)


def _unsupported(leaf: Leaf, version: int | None) -> Diagnostic:
    line, col = leaf.positions.of_value(("version",))
    if leaf.kind is LeafKind.KNOWLEDGE and version is not None and 0 < version < LATEST_VERSION:
        label = (
            "has no version (read as 1)" if "version" not in leaf.data else f"is version {version}"
        )
        message = f"this knowledge leaf {label}; knowledge needs version 3 (older is unsupported)"
        return _error(leaf.path, line, col, VERSION_RULE, message, _KNOWLEDGE_MIGRATION)
    shown = leaf.data.get("version")
    return _error(
        leaf.path,
        line,
        col,
        VERSION_RULE,
        f"version {shown!r} is not a supported leaf version",
        f"set version: {LATEST_VERSION}",
    )


def _error(  # noqa: PLR0917 - mirrors the Diagnostic fields
    path: str, line: int, col: int, rule: str, message: str, hint: str
) -> Diagnostic:
    return Diagnostic(path, line, col, Level.ERROR, rule, message, hint)


def _located(leaf: Leaf, errors: Iterator[ValidationError]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    typed: set[PathKey] = set()
    ordered = sorted(errors, key=lambda e: (tuple(str(p) for p in e.absolute_path), e.validator))
    for error in ordered:
        path: PathKey = tuple(error.absolute_path)
        if error.validator == "type":
            typed.add(path)
    for error in ordered:
        path = tuple(error.absolute_path)
        if path in typed and error.validator != "type":
            continue  # a value of the wrong type fails every other keyword too; say it once
        found.extend(_diagnostics(leaf, error, path))
    return sorted(set(found))


def _diagnostics(leaf: Leaf, error: ValidationError, path: PathKey) -> list[Diagnostic]:
    positions = leaf.positions
    where = dotted(path)
    kind = str(error.validator)
    value: Any = error.validator_value
    instance: Any = error.instance
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    properties: Mapping[str, Any] = schema.get("properties", {})
    if kind == "additionalProperties":
        allowed = sorted(properties)
        extras = sorted(k for k in instance if k not in allowed)
        return [
            _error(
                leaf.path,
                *positions.of_key((*path, key)),
                SCHEMA_RULE,
                f'unknown key "{dotted((*path, key))}"',
                _unknown_hint(key, allowed),
            )
            for key in extras
        ]
    if kind == "required":
        missing = [k for k in value if k not in instance]
        return [
            _error(
                leaf.path,
                *positions.of_value(path),
                SCHEMA_RULE,
                f'missing required key "{dotted((*path, key))}"'
                + ("" if path else " at the top level"),
                _describe(properties.get(key), f"add {key}"),
            )
            for key in missing
        ]
    line, col = positions.of_value(path)
    if kind == "uniqueItems":
        line, col = positions.of_value((*path, _first_repeat(instance)))
    message, hint = _explain(kind, value, instance, where, schema)
    return [_error(leaf.path, line, col, SCHEMA_RULE, message, hint)]


def _unknown_hint(key: str, allowed: list[str]) -> str:
    close = get_close_matches(key, allowed, n=1)
    guess = f'did you mean "{close[0]}"? ' if close else ""
    return f"{guess}remove it or fix its spelling; allowed here: {', '.join(allowed)}"


def _explain(  # noqa: PLR0911 - one message per schema keyword
    kind: str, value: Any, instance: Any, where: str, schema: Mapping[str, Any]
) -> tuple[str, str]:
    name = where or "the document"
    if kind == "type":
        return (
            f"{name} must be {_article(str(value))}, not {_type_name(instance)}",
            _describe(schema, f"write {name} as {_article(str(value))}"),
        )
    if kind == "minLength":
        return f"{name} must not be empty", _describe(schema, f"fill in {name}")
    if kind == "minItems":
        have = len(instance) if isinstance(instance, Sequence) else 0
        return (
            f"{name} needs at least {plural(int(value), 'item')}, has {have}",
            f"add {int(value) - have} more to {name}",
        )
    if kind == "uniqueItems":
        return f"{name} holds the same item twice", f"remove or change the repeated item in {name}"
    if kind == "const":
        return f"{name} must be {value!r}, not {instance!r}", f"set {name}: {value!r}"
    if kind == "pattern":
        return (
            f"{name} {instance!r} is not allowed here",
            _describe(schema, "see the schema for the accepted form"),
        )
    return f"{name}: {_short(str(instance))} fails {kind}", _describe(schema, "see the schema")


def _describe(schema: object, fallback: str) -> str:
    if isinstance(schema, Mapping) and isinstance(schema.get("description"), str):
        return f"{fallback}: {schema['description']}"
    return fallback


def _first_repeat(items: Any) -> int:
    seen: set[Hashable] = set()
    for index, item in enumerate(items if isinstance(items, list) else []):
        key = _frozen(item)
        if key in seen:
            return index
        seen.add(key)
    return 0


def dotted(path: Sequence[str | int]) -> str:
    """`seed_examples[2].question` for ("seed_examples", 2, "question")."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _article(type_name: str) -> str:
    words = {"object": "a mapping", "array": "a list", "integer": "an integer", "string": "text"}
    return words.get(type_name, f"a {type_name}")


def _type_name(value: Any) -> str:
    if value is None:
        return "empty (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "a mapping"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."

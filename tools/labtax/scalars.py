"""YAML 1.1 scalars turned into Python values in time linear in their length, or refused.

PyYAML's own constructors are not safe on hostile input: `int()` on a long decimal or binary
number is quadratic (Python refuses beyond 4300 digits with a `ValueError`), a sexagesimal number
such as `1:2:3:...` multiplies a growing integer once per group, and a standard tag on an odd value
(`!!int abc`, `!!float ''`, `!!bool maybe`) raises whatever the conversion happens to raise. Here
every scalar tag accepts exactly the forms YAML 1.1 resolves to it implicitly (and `!!float` also
takes an integer), numbers are refused beyond `MAX_NUMBER_CHARS` before any conversion, and every
refusal is a `ScalarError` that `yamldoc` locates.

`!!timestamp` and `!!binary` values are checked and kept as written, so parsed data stays
JSON-safe; `!!null` only takes a null form. Nothing here allocates more than the text's size.
"""

from __future__ import annotations

import binascii
import math
import re
from collections.abc import Callable
from typing import Any

# Longer numbers are refused unread. 1000 characters keep every accepted integer far below
# Python's 4300-digit conversion limit (a 1000-digit hex number has about 1200 decimal digits,
# 500 sexagesimal groups about 900), so the value can also be printed, hashed and compared.
MAX_NUMBER_CHARS = 1000

_TAG = "tag:yaml.org,2002:"
STR = f"{_TAG}str"
INT = f"{_TAG}int"
FLOAT = f"{_TAG}float"
BOOL = f"{_TAG}bool"
NULL = f"{_TAG}null"
TIMESTAMP = f"{_TAG}timestamp"
BINARY = f"{_TAG}binary"
TAGS = frozenset({STR, INT, FLOAT, BOOL, NULL, TIMESTAMP, BINARY})

# The implicit forms of YAML 1.1 (https://yaml.org/type/), as PyYAML resolves plain scalars. Each
# pattern is a plain alternation without nested repetition, so a match costs one pass.
_INT_FORM = re.compile(
    r"[-+]?0b[01_]+"
    r"|[-+]?0[0-7_]+"
    r"|[-+]?(?:0|[1-9][0-9_]*)"
    r"|[-+]?0x[0-9a-fA-F_]+"
    r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"
)
_FLOAT_FORM = re.compile(
    r"[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?"
    r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN)"
)
_TIMESTAMP_FORM = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?"
)
_BOOLS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BASE64_SPACE = re.compile(r"[ \t\r\n]+")


class ScalarError(ValueError):
    """A scalar whose text is not a value of its tag, or too long to read safely."""


def construct(tag: str, text: str) -> Any:
    """The value of a scalar with a standard `tag`; `ScalarError` when `text` does not fit it."""
    make = _CONSTRUCTORS.get(tag)
    if make is None:
        raise ScalarError(f"YAML tag {tag!r} is not a scalar type labtax reads")
    return make(text)


def _null(text: str) -> None:
    if text not in _NULLS:
        raise ScalarError(f"{_shown(text)} is not a null (~, null or nothing)")


def _bool(text: str) -> bool:
    if text not in _BOOLS:
        raise ScalarError(f"{_shown(text)} is not a boolean (true, false, yes, no, on, off)")
    return _BOOLS[text]


def _int(text: str) -> int:
    _check_number(text, "an integer", _INT_FORM)
    return _integer(text)


def _float(text: str) -> float:
    if _INT_FORM.fullmatch(text) and not _FLOAT_FORM.fullmatch(text):
        _check_number(text, "a number", _INT_FORM)
        return _to_float(_integer(text))
    _check_number(text, "a number", _FLOAT_FORM)
    return _floating(text)


def _timestamp(text: str) -> str:
    if not _TIMESTAMP_FORM.fullmatch(text):
        raise ScalarError(f"{_shown(text)} is not a timestamp (e.g. 2001-12-14)")
    return text


def _binary(text: str) -> str:
    compact = _BASE64_SPACE.sub("", text)
    try:
        binascii.a2b_base64(compact, strict_mode=True)
    except ValueError:  # binascii.Error, or a non-ASCII character
        raise ScalarError(f"{_shown(text)} is not valid base64 (tagged !!binary)") from None
    return text


def _shown(text: str) -> str:
    return repr(text) if len(text) <= 40 else f"{text[:37]!r}... ({len(text)} characters)"


def _check_number(text: str, what: str, form: re.Pattern[str]) -> None:
    if len(text) > MAX_NUMBER_CHARS:
        raise ScalarError(
            f"a number of {len(text)} characters is longer than labtax reads "
            f"({MAX_NUMBER_CHARS}); quote it to keep it as text"
        )
    if not form.fullmatch(text):
        raise ScalarError(f"{_shown(text)} is not {what}")


def _split_sign(text: str) -> tuple[int, str]:
    digits = text.replace("_", "")
    if digits[:1] in {"-", "+"}:
        return (-1 if digits[0] == "-" else 1), digits[1:]
    return 1, digits


def _integer(text: str) -> int:
    sign, digits = _split_sign(text)
    try:
        if digits.startswith("0b"):
            return sign * int(digits[2:], 2)
        if digits.startswith("0x"):
            return sign * int(digits[2:], 16)
        if ":" in digits:
            return sign * _sexagesimal(digits.split(":"))
        if len(digits) > 1 and digits.startswith("0"):
            return sign * int(digits, 8)
        return sign * int(digits)
    except ValueError:  # underscores only, such as `0x_`: the form matched, no digit is left
        raise ScalarError(f"{_shown(text)} has no digits") from None


def _sexagesimal(groups: list[str]) -> int:
    value = 0
    for group in groups:  # at most MAX_NUMBER_CHARS / 2 groups: bounded, not quadratic in input
        value = value * 60 + int(group)
    return value


def _floating(text: str) -> float:
    sign, digits = _split_sign(text)
    lowered = digits.lower()
    if lowered == ".inf":
        return sign * math.inf
    if lowered == ".nan":
        return math.nan
    if ":" in digits:
        *whole, last = digits.split(":")
        return sign * (_to_float(_sexagesimal(whole) * 60) + float(last))
    return sign * float(digits)


def _to_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:  # a float too large to hold is infinite, as `float("1e999")` is
        return math.inf if value > 0 else -math.inf


_CONSTRUCTORS: dict[str, Callable[[str], Any]] = {
    STR: str,
    NULL: _null,
    BOOL: _bool,
    INT: _int,
    FLOAT: _float,
    TIMESTAMP: _timestamp,
    BINARY: _binary,
}

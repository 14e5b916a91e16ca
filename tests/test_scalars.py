"""YAML 1.1 scalars: every standard tag on its own forms and on odd values, numbers with limits."""

from __future__ import annotations

import math

import pytest

from labtax import scalars
from labtax.scalars import BINARY, BOOL, FLOAT, INT, NULL, STR, TIMESTAMP, ScalarError


@pytest.mark.parametrize(
    ("tag", "text", "value"),
    [
        (STR, "5", "5"),
        (NULL, "", None),
        (NULL, "~", None),
        (NULL, "NULL", None),
        (BOOL, "yes", True),
        (BOOL, "Off", False),
        (INT, "0", 0),
        (INT, "-12_345", -12345),
        (INT, "0b1010", 10),
        (INT, "017", 15),
        (INT, "0x_Ff", 255),
        (INT, "+1:30", 90),
        (INT, "190:20:30", 685230),
        (FLOAT, "1.5", 1.5),
        (FLOAT, "-1_000.5e+3", -1000500.0),
        (FLOAT, ".5", 0.5),
        (FLOAT, "1:30.5", 90.5),
        (FLOAT, "3", 3.0),  # an integer form is a float under !!float
        (FLOAT, "-.INF", -math.inf),
        (TIMESTAMP, "2001-12-14", "2001-12-14"),
        (TIMESTAMP, "2001-12-14 21:59:43.10 -5", "2001-12-14 21:59:43.10 -5"),
        (BINARY, "aGVs\nbG8=\n", "aGVs\nbG8=\n"),  # checked, kept as written
        (BINARY, "", ""),
    ],
)
def test_each_tag_reads_its_yaml_forms(tag: str, text: str, value: object) -> None:
    assert scalars.construct(tag, text) == value


def test_nan_reads_as_nan() -> None:
    assert math.isnan(scalars.construct(FLOAT, ".NaN"))


@pytest.mark.parametrize(
    ("tag", "text", "says"),
    [
        (INT, "abc", "is not an integer"),
        (INT, "", "is not an integer"),
        (INT, "1.5", "is not an integer"),
        (INT, "0o17", "is not an integer"),  # YAML 1.2 octal: not a YAML 1.1 form
        (INT, "0b_", "has no digits"),
        (INT, "0x__", "has no digits"),
        (FLOAT, "abc", "is not a number"),
        (FLOAT, "", "is not a number"),
        (FLOAT, "infinity", "is not a number"),  # Python's float() would take it
        (FLOAT, "1e5", "is not a number"),  # YAML 1.1 wants a sign in the exponent
        (BOOL, "maybe", "is not a boolean"),
        (BOOL, "", "is not a boolean"),
        (NULL, "x", "is not a null"),
        (TIMESTAMP, "yesterday", "is not a timestamp"),
        (TIMESTAMP, "2001-12-14 at noon", "is not a timestamp"),
        (BINARY, "not base64!!", "is not valid base64"),
        (BINARY, "aGVsbG8", "is not valid base64"),  # missing padding
        (BINARY, "aGVs\u00e9bG8=", "is not valid base64"),
        ("tag:yaml.org,2002:value", "x", "is not a scalar type"),
        ("tag:yaml.org,2002:merge", "<<", "is not a scalar type"),
    ],
)
def test_odd_values_are_refused_with_a_reason(tag: str, text: str, says: str) -> None:
    with pytest.raises(ScalarError, match=says):
        scalars.construct(tag, text)


@pytest.mark.parametrize(
    "text",
    [
        "9" * 5000,  # beyond Python's 4300-digit int conversion limit
        "1" + ":1" * 3000,  # sexagesimal: one multiplication per group
        "0x" + "f" * 2000,
        "0b" + "1" * 5000,
        "1" + "_" * 2000,
    ],
)
def test_numbers_beyond_the_limit_are_refused_before_conversion(text: str) -> None:
    with pytest.raises(ScalarError, match="longer than labtax reads"):
        scalars.construct(INT, text)
    with pytest.raises(ScalarError, match="longer than labtax reads"):
        scalars.construct(FLOAT, text)


def test_numbers_at_the_limit_convert_and_print() -> None:
    decimal = "9" * scalars.MAX_NUMBER_CHARS
    assert str(scalars.construct(INT, decimal)) == decimal
    groups = "1" + ":59" * ((scalars.MAX_NUMBER_CHARS - 3) // 3)
    assert len(str(scalars.construct(INT, groups))) < 4300  # printable: below Python's limit
    assert scalars.construct(FLOAT, groups + ".5") == math.inf  # too large for a float
    assert scalars.construct(FLOAT, "9" * 400 + ".0") == math.inf

"""Step outputs: `name=value` lines appended to the file `$GITHUB_OUTPUT` names.

Later jobs read these values into their `env:`. A value holding a newline would start a line of its
own and could set another output, so every name and value is checked here, whatever the caller
validated before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from labtax.errors import LabtaxError, Location

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,99}")
_VALUE = re.compile(r"[\x20-\x7e]{0,1000}")


def output_lines(values: Mapping[str, str]) -> str:
    """`name=value\\n` per output, refusing names or values that could break out of their line."""
    for name, value in values.items():
        if not _NAME.fullmatch(name) or not _VALUE.fullmatch(value):
            raise LabtaxError(
                f"step output {name!r:.40} is not a plain name with a printable one-line value",
                hint="outputs are validated before they are written: this is a bug in labtax",
            )
    return "".join(f"{name}={value}\n" for name, value in values.items())


def append_outputs(values: Mapping[str, str], environ: Mapping[str, str]) -> Path | None:
    """Append `values` to `$GITHUB_OUTPUT`; outside a workflow (no such variable) write nothing."""
    lines = output_lines(values)
    target = environ.get("GITHUB_OUTPUT")
    if not target:
        return None
    path = Path(target)
    # Appended, never replaced: earlier commands of the same step may have written outputs too.
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(lines)
    except OSError as exc:
        raise LabtaxError(
            f"cannot append to GITHUB_OUTPUT: {exc.strerror or exc}", location=Location(target)
        ) from exc
    return path

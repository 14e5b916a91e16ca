"""The rich console every terminal renderer writes through, into a string buffer."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def console(buffer: io.StringIO, *, color: bool, width: int) -> Console:
    """A console that writes plain text (or ANSI colours when `color`), `width` columns wide.

    Markup, highlighting and emoji codes stay off: the text shown is untrusted leaf and teacher
    output, and must appear exactly as written.
    """
    from rich.console import Console

    return Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )

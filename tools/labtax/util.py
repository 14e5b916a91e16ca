"""Small helpers the whole package shares, each defined here and nowhere else.

- `canonical_json`: the one serialisation every content hash is computed over.
- `write_atomic` / `write_temp`: files replaced so a crash leaves the old or the new, never half.
- `is_full_sha`: a full hexadecimal commit id (SHA-1 or SHA-256), the only pin labtax trusts.
- `estimate_tokens`: the one character-based token guess (tokenizers are per model; this is not).
- `plural`: "1 leaf", "2 leaves", so every message counts the same way.
- `public_url`: a URL as it may be shown: no credentials, no query values.
- `make_state_dir`: a directory for labtax's own state; a `.labtax` directory ignores itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import tempfile
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

# English text averages about four characters per token with the tokenizers teachers use.
CHARS_PER_TOKEN = 4
# Each chat message costs a few tokens of framing (role, separators) on top of its content.
TOKENS_PER_MESSAGE = 4

STATE_DIR_NAME = ".labtax"

_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _c_encoder() -> Callable[[object, int], Sequence[str]] | None:
    # `json.dumps` builds a new C encoder on every call, which costs as much as encoding a sample
    # (and every stored sample's id is checked when it is read). This is the encoder it would
    # build for `_CANONICAL`, built once: same options, same text.
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # an interpreter without json's C speedups
        return None
    encoder: Callable[[object, int], Sequence[str]] = make(
        None,  # no circularity check: data read from JSON has no cycles
        _CANONICAL.default,
        json.encoder.encode_basestring,  # the one that keeps non-ASCII, as ensure_ascii=False
        None,  # no indent
        ":",
        ",",
        True,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan, as json.dumps
    )
    return encoder


_C_CANONICAL = _c_encoder()


def canonical_json(value: object) -> str:
    """JSON with sorted keys, no whitespace and real Unicode: equal data gives equal text."""
    if _C_CANONICAL is None:
        return _CANONICAL.encode(value)
    return "".join(_C_CANONICAL(value, 0))


def sha256_hex(text: str) -> str:
    """sha256 of the UTF-8 encoding of `text`, as 64 hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_full_sha(value: object) -> bool:
    """True for a full lowercase hex commit id: 40 digits (SHA-1) or 64 (SHA-256)."""
    return isinstance(value, str) and _FULL_SHA.fullmatch(value) is not None


def estimate_tokens(text: str) -> int:
    """Tokens `text` takes, guessed from its length (rounded up)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def estimate_message_tokens(messages: Iterable[Mapping[str, str]]) -> int:
    """Prompt tokens of a chat request: each message's content plus its framing."""
    return sum(estimate_tokens(m.get("content", "")) + TOKENS_PER_MESSAGE for m in messages)


def plural(count: int, one: str, many: str | None = None) -> str:
    """`count` with the noun in the right number: plural(1, "leaf", "leaves") == "1 leaf"."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def some(items: Sequence[str], limit: int = 10) -> str:
    """The first `limit` of `items`, comma-separated, with "..." when there are more."""
    return ", ".join(items[:limit]) + (", ..." if len(items) > limit else "")


def public_url(url: str) -> str:
    """`url` without what must never be printed: `user:password@` and the values of its query
    (`?key=...`), which servers use for tokens. Text that is not a URL is returned unchanged."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return "<unparseable URL>"
    if not parts.scheme or not parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    names = [name for name, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)]
    query = "&".join(f"{name}=***" for name in names)
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, query, ""))


def make_state_dir(directory: Path) -> Path:
    """Create `directory` (and its parents). A `.labtax` directory on its way gets a `.gitignore`
    holding `*` (unless it has one), so labtax's state never shows as untracked, whichever
    repository it lands in."""
    directory.mkdir(parents=True, exist_ok=True)
    for state in (p for p in (directory, *directory.parents) if p.name == STATE_DIR_NAME):
        ignore = state / ".gitignore"
        if not ignore.exists():
            with contextlib.suppress(OSError):  # a read-only checkout still runs
                ignore.write_text("*\n", encoding="utf-8")
    return directory


def write_temp(directory: Path, name: str, data: bytes, *, sync: bool = True) -> Path:
    """Write `data` to a new hidden temporary file in `directory`, named after `name`.

    The caller renames it into place (`Path.replace`), which is atomic within one directory.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
    return Path(tmp)


def write_atomic(
    path: Path, data: bytes | str, *, mode: int | None = None, sync: bool = True
) -> None:
    """Replace `path` with `data` (text is written as UTF-8) in one rename.

    `mode` sets the permission bits; None keeps those of the file being replaced (0o644 for a new
    file). Parent directories are created. `sync=False` skips fsync: the rename still protects
    against a killed process, only not against a power cut.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    temp = write_temp(path.parent, path.name, payload, sync=sync)
    try:
        temp.chmod(mode)
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def absolute(path: Path) -> Path:
    """A path from the command line, absolute and without `.` or `..`, its directory resolved.

    The last component is kept as it is, so a symlinked leaf is still seen as a symlink.
    """
    # Lexical, not Path.resolve(): that would follow the symlink the last component may be.
    full = Path(os.path.abspath(path))  # noqa: PTH100
    if full.parent == full:
        return full
    return full.parent.resolve() / full.name


def collapse_globstars(pattern: str) -> str:
    """`pattern` with each run of `**` segments made one (`**/**/x` is `**/x`): the same paths
    match, and a regular expression built from it cannot backtrack through many equivalent ways
    of splitting a path between repeated `**`s (time exponential in their number)."""
    out: list[str] = []
    for segment in pattern.split("/"):
        if segment == "**" and out and out[-1] == "**":
            continue
        out.append(segment)
    return "/".join(out)


def json_document(document: object, *, ascii_only: bool) -> str:
    """Indented JSON with sorted keys and a final newline. Reports that carry generated text
    (the data diff, the tree, the map, an evaluation) are `ascii_only`, so no invisible or
    bidirectional character hides in a viewer; data files and lists of repository paths keep
    their text as UTF-8, readable as written."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=ascii_only) + "\n"

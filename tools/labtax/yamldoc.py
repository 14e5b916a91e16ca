"""Parse one YAML document into plain data plus the position of every value and key.

Parsing uses libyaml (PyYAML's C composer) to build a node graph with marks, then converts it to
plain data in Python, recording where every value and key sits. Hostile input is stopped here: size,
encoding, NUL bytes, tags, aliases that expand without bound, nesting depth, several documents,
duplicate keys, scalars that do not fit their type (`scalars` types them in linear time). Every
such problem is a `LoadProblem` carrying a rule id and a position; the rule's summary and hint are
defined once, in `LOAD_RULES`, which the validate rule registry lists too.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from labtax import scalars

PathKey = tuple[str | int, ...]
Pos = tuple[int, int]

MAX_DEPTH = 64
MAX_EXPANDED_NODES = 200_000
# PyYAML's Python scanner checks every open flow level's possible simple key at each token, so its
# time grows with flow depth times size; a leaf never nests deeper than MAX_DEPTH.
MAX_RETRY_FLOW_DEPTH = 2 * MAX_DEPTH
_FLOW = re.compile(r"[\[\]{}]")

_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


@dataclass(frozen=True)
class LoadRule:
    """A problem found while reading or parsing a file: what it means and how to fix it."""

    summary: str
    hint: str


# Rule ids of problems found while loading; the validate rule registry lists them with the rest.
LOAD_RULES: dict[str, LoadRule] = {
    "file-unreadable": LoadRule(
        "the file cannot be read (a directory, an escaping symlink, no access)",
        "make the leaf a regular, readable file inside the repository",
    ),
    "file-too-large": LoadRule(
        "the file is larger than the configured size limit",
        "split the leaf, or raise [tool.labtax] max_file_bytes",
    ),
    "file-encoding": LoadRule("the file is not valid UTF-8", "save the file as UTF-8"),
    "file-nul": LoadRule("the file contains NUL bytes", "remove the NUL bytes"),
    "yaml-syntax": LoadRule("the file is not valid YAML", "fix the YAML syntax at this position"),
    "yaml-multiple-documents": LoadRule(
        "the file holds more than one YAML document",
        "keep a single document: remove the extra '---' section",
    ),
    "yaml-tag": LoadRule(
        "the file uses an explicit YAML tag (never constructed)",
        "remove the '!' tag; leaves hold plain text, numbers, lists and mappings",
    ),
    "yaml-value": LoadRule(
        "a value does not fit its YAML type (a number too long to read, !!int on text, "
        "bad base64 in !!binary, an escape of half a surrogate pair, ...)",
        "quote the value to keep it as text, or write it in the form its tag expects",
    ),
    "yaml-alias-expansion": LoadRule(
        "anchors and aliases expand to too many nodes",
        "write the values out instead of nesting anchors and aliases",
    ),
    "yaml-depth": LoadRule("the YAML nests deeper than a leaf ever needs", "flatten the data"),
    "yaml-duplicate-key": LoadRule(
        "a mapping has the same key twice", "remove or rename one of the two entries"
    ),
    "yaml-not-mapping": LoadRule(
        "the document is empty or not a mapping",
        "a leaf is a mapping with version, created_by, seed_examples, ...",
    ),
}


_SURROGATE = re.compile("[\ud800-\udfff]")


class LoadProblem(Exception):  # noqa: N818 - a finding about the file, reported as a diagnostic
    """A file that cannot be loaded; carries what a `Diagnostic` needs. The hint is the rule's."""

    def __init__(self, rule: str, message: str, line: int = 0, col: int = 0) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.col = col

    @property
    def hint(self) -> str:
        return LOAD_RULES[self.rule].hint


@dataclass(frozen=True)
class Positions:
    """Where each value (and each mapping key) of a parsed document starts, 1-based."""

    values: dict[PathKey, Pos]
    keys: dict[PathKey, Pos]

    def of_value(self, path: Iterable[str | int]) -> Pos:
        """The position of the value at `path`, or of its nearest ancestor that exists."""
        return _nearest(self.values, tuple(path))

    def of_key(self, path: Iterable[str | int]) -> Pos:
        """The position of the key naming `path`; for list items and the root, the value's."""
        key = tuple(path)
        return self.keys.get(key) or _nearest(self.values, key)


def _nearest(table: dict[PathKey, Pos], path: PathKey) -> Pos:
    for end in range(len(path), -1, -1):
        found = table.get(path[:end])
        if found is not None:
            return found
    return (1, 1)


@dataclass(frozen=True)
class Document:
    data: dict[str, Any]
    positions: Positions


def read_bytes(path: Path, root: Path, max_bytes: int) -> bytes:
    """Read a leaf file safely: regular files only, inside `root`, within the size limit."""
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            target = path.resolve(strict=True)
            if not target.is_relative_to(root.resolve()):
                raise LoadProblem("file-unreadable", "symlink points outside the repository")
            info = target.stat()
        if not stat.S_ISREG(info.st_mode):
            raise LoadProblem("file-unreadable", "not a regular file")
        if info.st_size > max_bytes:
            raise too_large(info.st_size, max_bytes)
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise LoadProblem("file-unreadable", f"cannot read: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise too_large(len(raw), max_bytes)
    return raw


def too_large(size: int, limit: int) -> LoadProblem:
    return LoadProblem("file-too-large", f"file is {size} bytes, over the limit of {limit} bytes")


def decode(raw: bytes) -> str:
    """UTF-8 text without a BOM; invalid bytes and NULs are located problems."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _byte_position(raw, nul)
        raise LoadProblem("file-nul", "NUL byte in file", line, col)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _byte_position(raw, exc.start)
        raise LoadProblem(
            "file-encoding", f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})", line, col
        ) from exc


def _byte_position(raw: bytes, offset: int) -> Pos:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    col = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return raw.count(b"\n", 0, offset) + 1, col


def parse(text: str) -> Document:
    """Parse one YAML document that must be a mapping into data plus positions."""
    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as exc:
        problem = syntax_problem(exc)
        node = _compose_like_instructlab(text, problem)
    except yaml.YAMLError as exc:
        raise LoadProblem("yaml-syntax", str(exc), 1, 1) from exc
    if not isinstance(node, yaml.MappingNode):
        line, col = _mark(node) if node is not None else (1, 1)
        what = "empty" if node is None else f"a {_node_kind(node)}, not a mapping"
        raise LoadProblem("yaml-not-mapping", f"document is {what}", line, col)
    if "&" in text and "*" in text:  # without an anchor and an alias nothing can expand
        _check_expansion(node)
    values: dict[PathKey, Pos] = {}
    keys: dict[PathKey, Pos] = {}
    data = _Converter(values, keys).convert(node, (), 0)
    return Document(data, Positions(values, keys))


def _compose_like_instructlab(text: str, problem: LoadProblem) -> yaml.Node | None:
    """Retry a plain syntax error with PyYAML's pure-Python composer, which InstructLab uses.

    libyaml rejects a few documents the Python scanner accepts (a block scalar whose first line
    starts with a tab after its indentation, for one); such a leaf must not fail here when
    InstructLab accepts it. Depth and multi-document problems are final: they are not
    differences between the two scanners, and the Python composer recurses per nesting level. So
    is a syntax error in a text nesting flow collections deeper than a leaf can: the Python reader
    would take time growing with that depth (`python_retry_allowed`).
    """
    if not python_retry_allowed(text, problem):
        raise problem
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        raise problem from None


def python_retry_allowed(text: str, problem: LoadProblem) -> bool:
    """Whether a libyaml failure is worth a retry with PyYAML's Python reader: a plain syntax error
    in a text whose flow nesting keeps that reader linear. Depth and multi-document problems are
    final (not differences between the two scanners)."""
    return problem.rule == "yaml-syntax" and not flow_nests_deeper(text, MAX_RETRY_FLOW_DEPTH)


def flow_nests_deeper(text: str, limit: int) -> bool:
    """Whether flow collections may nest deeper than `limit`: brackets counted wherever they are
    (in quotes and comments too, so an upper bound), one pass that stops once past the limit."""
    depth = 0
    for match in _FLOW.finditer(text):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth = max(depth - 1, 0)
    return False


def syntax_problem(exc: yaml.MarkedYAMLError) -> LoadProblem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or exc.context or "invalid YAML"
    if "expected a single document" in str(exc.context):
        return LoadProblem(
            "yaml-multiple-documents", "more than one YAML document in the file", line, col
        )
    if "nesting depth" in problem:
        return LoadProblem("yaml-depth", "YAML nests too deeply", line, col)
    return LoadProblem("yaml-syntax", problem, line, col)


def _mark(node: yaml.Node) -> Pos:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "list"
    return "mapping" if isinstance(node, yaml.MappingNode) else "scalar"


def _check_expansion(root: yaml.Node) -> None:
    """Refuse alias graphs that expand without bound (billion laughs) before converting them.

    Sizes are memoised per node, so this costs one pass over the distinct nodes however far the
    aliases would expand; only expansion beyond what the text itself holds counts against the limit.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if done:
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    expanded = sizes[id(root)]
    if expanded > max(MAX_EXPANDED_NODES, 2 * len(sizes)):
        line, col = _mark(root)
        raise LoadProblem(
            "yaml-alias-expansion",
            f"anchors and aliases expand to {expanded} nodes (limit {MAX_EXPANDED_NODES})",
            line,
            col,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class _Converter:
    """Builds plain data from a node graph, recording positions as it goes."""

    def __init__(self, values: dict[PathKey, Pos], keys: dict[PathKey, Pos]) -> None:
        self.values = values
        self.keys = keys

    def convert(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        if depth > MAX_DEPTH:
            line, col = _mark(node)
            raise LoadProblem("yaml-depth", f"nesting deeper than {MAX_DEPTH} levels", line, col)
        self.values[path] = _mark(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            self._check_tag(node, _SEQ)
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        self._check_tag(node, _MAP)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            if key in result:
                line, col = _mark(key_node)
                raise LoadProblem("yaml-duplicate-key", f'duplicate key "{key}"', line, col)
            child = (*path, key)
            self.keys[child] = _mark(key_node)
            result[key] = self.convert(value_node, child, depth + 1)
        return result

    def _key(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            line, col = _mark(node)
            raise LoadProblem("yaml-syntax", "mapping keys must be plain scalars", line, col)
        if node.tag == "tag:yaml.org,2002:merge":
            line, col = _mark(node)
            raise LoadProblem("yaml-syntax", "merge keys ('<<') are not supported", line, col)
        value = self._scalar(node)
        return value if isinstance(value, str) else str(value)

    def _scalar(self, node: yaml.Node) -> Any:
        self._check_tag(node, None)
        value = node.value if node.tag == scalars.STR else self._typed(node)
        if isinstance(value, str) and (half := _SURROGATE.search(value)) is not None:
            # An escape such as "\ud800" makes half a UTF-16 pair, which no encoder writes.
            line, col = _mark(node)
            raise LoadProblem(
                "yaml-value",
                f"the escape \\u{ord(half.group()):04x} is half of a UTF-16 surrogate pair, not a"
                " character: write the character itself, or one \\U0001xxxx escape",
                line,
                col,
            )
        return value

    @staticmethod
    def _typed(node: yaml.Node) -> Any:
        try:
            return scalars.construct(node.tag, node.value)
        except scalars.ScalarError as exc:
            line, col = _mark(node)
            raise LoadProblem("yaml-value", str(exc), line, col) from None

    @staticmethod
    def _check_tag(node: yaml.Node, expected: str | None) -> None:
        ok = node.tag == expected if expected else node.tag in scalars.TAGS
        if not ok:
            line, col = _mark(node)
            raise LoadProblem("yaml-tag", f"YAML tag {node.tag!r} is not allowed", line, col)

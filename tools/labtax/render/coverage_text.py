"""The coverage tree for the terminal, drawn with rich (imported lazily: only this format needs it).

Leaf and directory names are untrusted: they reach rich as `Text`, never as markup, with control
characters escaped.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from labtax import sanitize
from labtax.coverage import LeafCoverage, TreeNode
from labtax.render import figures, terminal
from labtax.util import plural

if TYPE_CHECKING:
    from rich.text import Text
    from rich.tree import Tree

_STYLE = {
    "fresh": "green",
    "stale": "yellow",
    "missing": "red",
    "invalid": "magenta",
    "orphaned": "dim",
}


def render(tree: TreeNode, *, color: bool = False, width: int = 100) -> str:
    from rich.tree import Tree

    buffer = io.StringIO()
    console = terminal.console(buffer, color=color, width=width)
    top = Tree(_label("taxonomy", tree.totals(), None), guide_style="dim")
    for child in tree.children:
        _add(top, child)
    console.print(top)
    console.print(_totals_line(tree.totals()))
    for leaf in tree.leaves():
        if leaf.problem:
            console.print(_problem(leaf))
    return buffer.getvalue()


def _add(parent: Tree, node: TreeNode) -> None:
    branch = parent.add(_label(node.name, node.totals(), node.leaf))
    for child in node.children:
        _add(branch, child)


def _label(name: str, totals: dict[str, Any], leaf: LeafCoverage | None) -> Text:
    from rich.text import Text

    text = Text(sanitize.terminal(name, limit=120), style="bold" if leaf is None else "")
    if leaf is None:
        leaves = plural(totals["leaves"], "leaf", "leaves")
        text.append(
            f"  {leaves}, {plural(totals['seeds'], 'seed')}, {totals['kept']} kept, "
            f"rejection {figures.percent(totals['rejection_rate'])}",
            style="dim",
        )
        return text
    rejection = figures.percent(leaf.rejection_rate)
    text.append(f"  {plural(leaf.seeds, 'seed')}, {leaf.kept} kept, rejection {rejection}  ")
    text.append(leaf.status, style=_STYLE[leaf.status])
    return text


def _totals_line(totals: dict[str, Any]) -> Text:
    from rich.text import Text

    text = Text(f"{plural(totals['leaves'], 'leaf', 'leaves')}: ")
    for number, (status, count) in enumerate(totals["status"].items()):
        if number:
            text.append(", ")
        text.append(f"{count} {status}", style=_STYLE[status])
    return text


def _problem(leaf: LeafCoverage) -> Text:
    from rich.text import Text

    return Text(sanitize.terminal(f"{leaf.status}: {leaf.problem}", limit=500), style="magenta")

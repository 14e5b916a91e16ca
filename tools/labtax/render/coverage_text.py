"""The coverage tree for the terminal, drawn with rich (imported lazily: only this format needs it).

Leaf and directory names are untrusted: they reach rich as `Text`, never as markup, with control
characters escaped.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from labtax import sanitize
from labtax.coverage import LeafCoverage, TreeNode
from labtax.diversity import Diversity
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


def render(
    tree: TreeNode, *, color: bool = False, width: int = 100, student: str | None = None
) -> str:
    """The tree; with `student`, each line also says how that student scores there."""
    from rich.text import Text
    from rich.tree import Tree

    buffer = io.StringIO()
    console = terminal.console(buffer, color=color, width=width)
    top = Tree(_label("taxonomy", tree, student), guide_style="dim")
    for child in tree.children:
        _add(top, child, student)
    console.print(top)
    console.print(_totals_line(tree.totals()))
    if student:
        console.print(Text(sanitize.terminal(f"student: {student}", limit=200), style="dim"))
    for leaf in tree.leaves():
        if leaf.problem:
            console.print(_problem(leaf))
        if leaf.evaluation_problem:
            console.print(
                Text(sanitize.terminal(leaf.evaluation_problem, limit=500), style="magenta")
            )
    return buffer.getvalue()


def _add(parent: Tree, node: TreeNode, student: str | None) -> None:
    branch = parent.add(_label(node.name, node, student))
    for child in node.children:
        _add(branch, child, student)


def _label(name: str, node: TreeNode, student: str | None) -> Text:
    from rich.text import Text

    leaf = node.leaf
    text = Text(sanitize.terminal(name, limit=120), style="bold" if leaf is None else "")
    if leaf is None:
        totals = node.totals()
        leaves = plural(totals["leaves"], "leaf", "leaves")
        text.append(
            f"  {leaves}, {plural(totals['seeds'], 'seed')}, {totals['kept']} kept, "
            f"rejection {figures.percent(totals['rejection_rate'])}"
            f"{_diversity(node.diversity)}{_branch_score(node, student)}",
            style="dim",
        )
        return text
    rejection = figures.percent(leaf.rejection_rate)
    chunks = f", {leaf.chunks[0]} of {leaf.chunks[1]} chunks" if leaf.chunks else ""
    text.append(
        f"  {plural(leaf.seeds, 'seed')}, {leaf.kept} kept{chunks}, rejection {rejection}"
        f"{_diversity(leaf.diversity)}{_leaf_score(leaf, student)}  "
    )
    text.append(leaf.status, style=_STYLE[leaf.status])
    return text


def _diversity(found: Diversity) -> str:
    if found.questions < 2 or found.distinct_bigrams is None:
        return ""
    return (
        f", distinct-2 {figures.percent(found.distinct_bigrams)}, "
        f"ROUGE-L {figures.ratio(found.mean_rouge_l)}, "
        f"near-dup {figures.percent(found.near_duplicates)}"
    )


def _leaf_score(leaf: LeafCoverage, student: str | None) -> str:
    if not student or leaf.status == "orphaned":
        return ""
    found = leaf.evaluation
    if leaf.evaluation_problem:
        return ", student evaluation damaged"
    if found is None or found.mean_score is None:
        return ", student not evaluated"
    failed = f", {found.failed} failed" if found.failed else ""
    outdated = ", outdated: the leaf changed since" if leaf.evaluation_outdated else ""
    score = figures.score(found.mean_score)
    return f", student {score} ({found.evaluated} scored{failed}{outdated})"


def _branch_score(node: TreeNode, student: str | None) -> str:
    found = node.student
    if not student or found is None or found["mean_score"] is None:
        return ""
    return f", student {figures.score(found['mean_score'])} ({found['evaluated']} scored)"


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

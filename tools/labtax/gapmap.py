"""The gap map's content: the coverage tree as tiles with their areas, colours and figures.

Both drawings of the map (the interactive page and the static picture, `labtax.render.gap_map_*`)
draw these tiles, so they agree: each node of the taxonomy is a tile whose area is its kept samples
or its seeds (`AREAS`; at least 1, so a leaf without data still shows) and whose colour says the
student's mean score, the data status, the rejection rate or the diversity (`COLOURS`), on one
red-yellow-green scale with grey for "nothing to show" (a leaf the student was not evaluated on).
A leaf's details hold its figures and its lowest-scored questions with the student's answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from labtax.coverage import LeafCoverage, TreeNode
from labtax.diversity import Diversity
from labtax.evaluation.records import LeafEvaluation, reading
from labtax.gaps import Gap, find_gaps
from labtax.render import figures
from labtax.util import plural

ROOT = "taxonomy"
AREAS = ("samples", "seeds")
COLOURS = ("score", "status", "rejection", "diversity")
GREY = "#bdbdbd"
# Red (bad) through yellow to green (good).
SCALE = ("#d73027", "#fee08b", "#1a9850")
STATUS_COLOURS = {
    "fresh": "#1a9850",
    "stale": "#fdae61",
    "missing": "#d73027",
    "invalid": "#c51b7d",
    "orphaned": GREY,
}
LEGENDS = {
    "score": "student's mean score: red 1, yellow 5.5, green 10; grey: not evaluated",
    "status": "data: green fresh, orange stale, red missing, purple invalid; branches: share fresh",
    "rejection": "rejection rate: green 0%, yellow 50%, red 100%; grey: no candidates",
    "diversity": "distinct bigrams of the kept questions: red 0%, green 100%; grey: too few",
}
LOWEST_SHOWN = 3


@dataclass(frozen=True)
class Tile:
    """One node of the map: a leaf or a branch (`leaf` is False)."""

    id: str
    parent: str
    label: str
    leaf: bool
    area: Mapping[str, float]
    colour: Mapping[str, str]
    caption: Mapping[str, str]
    hover: tuple[str, ...]
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GapMap:
    tiles: tuple[Tile, ...]
    student: str | None
    judge: str | None
    gaps: tuple[Gap, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "student": self.student,
            "judge": self.judge,
            "gaps": [g.as_dict() for g in self.gaps],
            "tiles": [
                {
                    "id": t.id,
                    "parent": t.parent,
                    "label": t.label,
                    "leaf": t.leaf,
                    "area": dict(t.area),
                    "colour": dict(t.colour),
                    "caption": dict(t.caption),
                }
                for t in self.tiles
            ],
        }


def build_map(tree: TreeNode, student: str | None = None) -> GapMap:
    """The tiles of `tree` (orphaned data left out), parents before children."""
    tiles: list[Tile] = []
    _walk(tree, "", tiles, student)
    judges = {leaf.evaluation.judge.model for leaf in tree.leaves() if leaf.evaluation is not None}
    judge = judges.pop() if len(judges) == 1 else None
    return GapMap(tuple(tiles), student, judge, tuple(find_gaps(tree, student=student)))


def scale(value: float | None) -> str:
    """A colour of `SCALE` for a value from 0 (red) to 1 (green); grey for None."""
    if value is None:
        return GREY
    t = min(1.0, max(0.0, value)) * (len(SCALE) - 1)
    low = min(int(t), len(SCALE) - 2)
    a, b = _rgb(SCALE[low]), _rgb(SCALE[low + 1])
    mix = [round(x + (y - x) * (t - low)) for x, y in zip(a, b, strict=True)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _walk(node: TreeNode, parent: str, tiles: list[Tile], student: str | None) -> None:
    """Add the tiles of `node` and its subtree, each after its parent."""
    ident = f"{ROOT}/{node.path}" if node.path else ROOT
    children = [c for c in node.children if _covers(c)]
    leaf = node.leaf if node.leaf is not None and node.leaf.status != "orphaned" else None
    if not children and leaf is not None:
        tiles.append(_leaf_tile(ident, parent, node.name, leaf, student))
        return
    index = len(tiles)
    tiles.append(_branch_tile(ident, parent, node, student))
    if leaf is not None:
        # A leaf with leaves below it (a lint warning) shows as one more tile inside itself.
        tiles.append(_leaf_tile(f"{ident}/", ident, f"{node.name} (this leaf)", leaf, student))
    for child in children:
        _walk(child, ident, tiles, student)
    # Branch areas are their tiles' sums, as the treemap's "total" mode wants.
    below = [t for t in tiles[index + 1 :] if t.parent == ident]
    tiles[index] = _with_area(tiles[index], below)


def _with_area(tile: Tile, below: list[Tile]) -> Tile:
    area = {name: sum(t.area[name] for t in below) for name in AREAS}
    return Tile(
        tile.id,
        tile.parent,
        tile.label,
        False,
        area,
        tile.colour,
        tile.caption,
        tile.hover,
        tile.details,
    )


def _covers(node: TreeNode) -> bool:
    return any(leaf.status != "orphaned" for leaf in node.leaves())


def _leaf_tile(ident: str, parent: str, name: str, leaf: LeafCoverage, student: str | None) -> Tile:
    found = leaf.evaluation
    score = found.mean_score if found is not None else None
    diversity = leaf.diversity if leaf.kept >= 2 else None
    colour = {
        "score": scale(None if score is None else (score - 1) / 9),
        "status": STATUS_COLOURS[leaf.status],
        "rejection": scale(None if leaf.rejection_rate is None else 1 - leaf.rejection_rate),
        "diversity": scale(diversity.distinct_bigrams if diversity else None),
    }
    caption = {
        "score": _score_caption(found, student)
        + (" (outdated)" if leaf.evaluation_outdated else ""),
        "status": leaf.status,
        "rejection": f"rejection {figures.percent(leaf.rejection_rate)}",
        "diversity": _diversity_caption(diversity),
    }
    hover = (
        leaf.leaf_id,
        f"{leaf.kind or 'unknown kind'}, data {leaf.status}",
        f"{leaf.seeds} seeds, {leaf.kept} kept samples, rejection"
        f" {figures.percent(leaf.rejection_rate)}",
        _diversity_line(leaf.diversity),
        _score_line(found, student) + _evaluation_note(leaf),
    )
    details = {
        "leaf": leaf.leaf_id,
        "figures": list(hover[1:]),
        "student": student,
        "reading": reading(score) if found is not None else "not evaluated",
        "reason": leaf.evaluation_problem or (found.reason if found is not None else None),
        "outdated": leaf.evaluation_outdated,
        "lowest": _lowest(found),
    }
    area = {"samples": float(max(leaf.kept, 1)), "seeds": float(max(leaf.seeds, 1))}
    return Tile(ident, parent, name, True, area, colour, caption, hover, details)


def _branch_tile(ident: str, parent: str, node: TreeNode, student: str | None) -> Tile:
    totals = node.totals()
    scores = node.student
    mean = scores["mean_score"] if scores else None
    statuses = totals["status"]
    fresh = statuses.get("fresh", 0) / totals["leaves"] if totals["leaves"] else None
    diversity = node.diversity if node.diversity.questions >= 2 else None
    rate = totals["rejection_rate"]
    colour = {
        "score": scale(None if mean is None else (mean - 1) / 9),
        "status": scale(fresh),
        "rejection": scale(None if rate is None else 1 - rate),
        "diversity": scale(diversity.distinct_bigrams if diversity else None),
    }
    caption = {
        "score": figures.score(mean) if mean is not None else "",
        "status": f"{figures.percent(fresh)} fresh",
        "rejection": f"rejection {figures.percent(rate)}",
        "diversity": _diversity_caption(diversity),
    }
    score_line = (
        f"student {figures.score(mean)} over {plural(scores['evaluated'], 'question')}"
        if scores and mean is not None
        else ("student: not evaluated" if student else "no student named")
    )
    hover = (
        node.path or ROOT,
        f"{plural(totals['leaves'], 'leaf', 'leaves')}, {totals['seeds']} seeds,"
        f" {totals['kept']} kept samples, rejection {figures.percent(rate)}",
        ", ".join(f"{count} {state}" for state, count in statuses.items()) or "no data",
        _diversity_line(node.diversity),
        score_line,
    )
    details = {"leaf": None, "branch": node.path or ROOT, "figures": list(hover[1:])}
    empty = dict.fromkeys(AREAS, 0.0)
    return Tile(ident, parent, node.name or ROOT, False, empty, colour, caption, hover, details)


def _evaluation_note(leaf: LeafCoverage) -> str:
    if leaf.evaluation_problem:
        return " (the stored evaluation is damaged)"
    if leaf.evaluation_outdated:
        return " (outdated: the leaf's questions changed since; run `labtax eval` again)"
    return ""


def _score_caption(
    found: LeafEvaluation | None, student: str | None, *, outdated: bool = False
) -> str:
    if found is not None and found.mean_score is not None:
        return figures.score(found.mean_score) + (" (outdated)" if outdated else "")
    return "not evaluated" if student else ""


def _score_line(found: LeafEvaluation | None, student: str | None) -> str:
    if found is None:
        return "student: not evaluated" if student else "no student named"
    if found.mean_score is None:
        return f"student: not evaluated ({found.reason})"
    failed = f", {found.failed} failed" if found.failed else ""
    return (
        f"student {figures.score(found.mean_score)} over"
        f" {plural(found.evaluated, 'question')}{failed}: {reading(found.mean_score)}"
    )


def _diversity_caption(found: Diversity | None) -> str:
    if found is None or found.distinct_bigrams is None:
        return "diversity n/a"
    return f"distinct-2 {figures.percent(found.distinct_bigrams)}"


def _diversity_line(found: Diversity) -> str:
    if found.questions < 2 or found.distinct_bigrams is None:
        return "diversity: too few kept questions"
    return (
        f"diversity: distinct-2 {figures.percent(found.distinct_bigrams)}, mean ROUGE-L"
        f" {figures.ratio(found.mean_rouge_l)}, near-dup {figures.percent(found.near_duplicates)}"
    )


def _lowest(found: LeafEvaluation | None) -> list[dict[str, Any]]:
    if found is None:
        return []
    return [
        {
            "question": o.asked.question,
            "context": o.asked.context,
            "reference": o.asked.reference,
            "answer": o.answer,
            "score": o.score,
            "explanation": o.explanation,
            "failure": o.failure,
        }
        for o in found.lowest(LOWEST_SHOWN)
    ]

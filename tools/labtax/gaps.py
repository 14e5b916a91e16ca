"""Where the taxonomy, its data and the student are thin, each with what to do about it.

From a coverage tree (`labtax.coverage`): the lowest-scoring leaves and those the student could not
be evaluated on, top-level branches with few leaves, leaves with few seeds, leaves whose kept
questions lack variety, and leaves without data. The thresholds are named below; `labtax map`
shows the list in the page, as text and as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from labtax.config import BRANCHES
from labtax.coverage import LeafCoverage, TreeNode
from labtax.evaluation.records import LOW_SCORE
from labtax.render import figures
from labtax.util import plural

GapKind = Literal[
    "low_score",
    "not_evaluated",
    "outdated_evaluation",
    "thin_branch",
    "few_seeds",
    "low_diversity",
    "no_data",
]
KINDS: tuple[GapKind, ...] = get_args(GapKind)
MIN_BRANCH_LEAVES = 3
MIN_SEEDS = 5
# Kept questions lack variety below this share of distinct bigrams, or above this share of
# near-duplicate pairs (see `labtax.diversity`), once a leaf has enough of them to tell. The
# questions are the generated ones (never the auxiliary forms' fixed instructions), and distinct-2
# is taken over a fixed-size seeded sample of `DIVERSITY_SAMPLE` of them: it falls as questions are
# added, so a large leaf is not flagged for its size alone. (The near-duplicate rate is a share of
# pairs and does not grow with size.)
MIN_DISTINCT_BIGRAMS = 0.5
MAX_NEAR_DUPLICATES = 0.2
MIN_QUESTIONS_FOR_DIVERSITY = 5
DIVERSITY_SAMPLE = 30


@dataclass(frozen=True)
class Gap:
    """One gap: its kind, where (a leaf id or branch path), the figure showing it, what to do."""

    kind: GapKind
    path: str
    figure: str
    advice: str

    def as_dict(self) -> dict[str, str]:
        return {"advice": self.advice, "figure": self.figure, "kind": self.kind, "path": self.path}


def find_gaps(tree: TreeNode, *, student: str | None = None) -> list[Gap]:
    """Every gap of `tree`, by kind (in `KINDS` order), the worst first within a kind."""
    leaves = [leaf for leaf in tree.leaves() if leaf.status not in ("orphaned", "invalid")]
    found = _scores(leaves) if student else []
    found += _thin_branches(tree)
    found += [_few_seeds(leaf) for leaf in leaves if leaf.seeds < MIN_SEEDS]
    found += [g for leaf in leaves if (g := _low_diversity(leaf)) is not None]
    found += [
        Gap(
            "no_data",
            leaf.leaf_id,
            f"{leaf.status}, {leaf.kept} kept samples",
            "run `labtax generate` for it: the leaf teaches nothing until it has data",
        )
        for leaf in leaves
        if leaf.kept == 0
    ]
    return found


def _scores(leaves: list[LeafCoverage]) -> list[Gap]:
    low: list[tuple[float, Gap]] = []
    missing: list[Gap] = []
    outdated: list[Gap] = []
    for leaf in leaves:
        found = leaf.evaluation
        if leaf.evaluation_problem:
            missing.append(
                Gap(
                    "not_evaluated",
                    leaf.leaf_id,
                    f"not evaluated: {leaf.evaluation_problem}",
                    "run `labtax eval` for it again: it rewrites the damaged file",
                )
            )
            continue
        if found is not None and leaf.evaluation_outdated:
            outdated.append(
                Gap(
                    "outdated_evaluation",
                    leaf.leaf_id,
                    f"student {figures.score(found.mean_score)}, outdated",
                    "run `labtax eval` for it again: its questions changed since it was scored",
                )
            )
        if found is None or found.mean_score is None:
            why = found.reason if found is not None and found.reason else "no stored evaluation"
            missing.append(
                Gap(
                    "not_evaluated",
                    leaf.leaf_id,
                    f"not evaluated: {why}",
                    "run `labtax eval` for it (check the student is reachable and answers)",
                )
            )
        elif found.mean_score < LOW_SCORE:
            figure = (
                f"student {figures.score(found.mean_score)} over"
                f" {plural(found.evaluated, 'question')}"
            )
            advice = (
                "the student does not know this yet: generate data for it and train; if the"
                " seeds are unclear or wrong, fix them first"
            )
            low.append((found.mean_score, Gap("low_score", leaf.leaf_id, figure, advice)))
    ranked = [gap for _, gap in sorted(low, key=lambda item: (item[0], item[1].path))]
    return ranked + missing + outdated


def _thin_branches(tree: TreeNode) -> list[Gap]:
    present = {child.name: child for child in tree.children}
    found = []
    for name in BRANCHES:
        node = present.get(name)
        count = node.totals()["leaves"] if node is not None else 0
        if count < MIN_BRANCH_LEAVES:
            seeds = node.totals()["seeds"] if node is not None else 0
            found.append(
                Gap(
                    "thin_branch",
                    name,
                    f"{plural(count, 'leaf', 'leaves')}, {seeds} seeds",
                    f"add leaves under {name}/: this part of the taxonomy is barely covered",
                )
            )
    return found


def _few_seeds(leaf: LeafCoverage) -> Gap:
    return Gap(
        "few_seeds",
        leaf.leaf_id,
        f"{leaf.seeds} seed examples",
        f"write at least {MIN_SEEDS} varied seed examples: they are all the teacher learns from",
    )


def _low_diversity(leaf: LeafCoverage) -> Gap | None:
    if len(leaf.questions) < MIN_QUESTIONS_FOR_DIVERSITY:
        return None
    from labtax.diversity import sampled_distinct_bigrams

    near = leaf.diversity.near_duplicates
    if leaf.diversity.distinct_bigrams is None:
        distinct = None  # the figures cannot be computed here (no rapidfuzz)
    else:
        distinct = sampled_distinct_bigrams(leaf.questions, DIVERSITY_SAMPLE)
    if (distinct is None or distinct >= MIN_DISTINCT_BIGRAMS) and (
        near is None or near <= MAX_NEAR_DUPLICATES
    ):
        return None
    sample = min(len(leaf.questions), DIVERSITY_SAMPLE)
    return Gap(
        "low_diversity",
        leaf.leaf_id,
        f"distinct-2 {figures.percent(distinct)} over {sample} questions,"
        f" near-dup {figures.percent(near)}",
        "vary the seed examples' topics and phrasing, then regenerate: the data repeats itself",
    )

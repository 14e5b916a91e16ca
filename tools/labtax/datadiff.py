"""Compare two states of `generated/` leaf by leaf and sample by sample.

The states are dataset records (`labtax.dataset`: a leaf id to its `LeafData`), however they were
loaded: from a git commit, the working tree or a directory. Samples are matched by their content
(form, context, question, answer), which within one leaf is exactly what the sample id hashes;
matching on content rather than on the id also lets a leaf whose data moved to another leaf id be
recognised as renamed. Provenance and score are not content: a sample regenerated through other
calls is the same sample.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from labtax.dataset.records import LeafData, Manifest, Sample, rejection_rate
from labtax.usage import Usage

# A removed leaf and a new leaf are the same data moved when at least this share of the larger
# leaf's samples are identical.
RENAME_SIMILARITY = 0.5

LeafStatus = Literal["new", "removed", "renamed", "changed", "unchanged"]
SampleStatus = Literal["added", "removed", "changed"]
STATUS_ORDER: tuple[LeafStatus, ...] = ("new", "removed", "renamed", "changed", "unchanged")

DatasetState = Mapping[str, LeafData]


# ---------------------------------------------------------------------------------------------
# The diff records


@dataclass(frozen=True)
class SampleChange:
    """A sample added (no `before`), removed (no `after`) or changed (both: same form, context and
    question, another answer)."""

    status: SampleStatus
    before: Sample | None
    after: Sample | None

    @property
    def id(self) -> str:
        sample = self.after or self.before
        return sample.id if sample else ""


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    old: int
    new: int

    @property
    def delta(self) -> int:
        return self.new - self.old


@dataclass(frozen=True)
class LeafDiff:
    leaf_id: str
    status: LeafStatus
    old_leaf_id: str | None  # for renamed leaves: where the data was
    kind: str | None
    samples: tuple[SampleChange, ...]
    unchanged_samples: int
    kept_old: int
    kept_new: int
    rejected: tuple[ReasonCount, ...]
    model_old: str | None
    model_new: str | None
    templates_changed: tuple[str, ...]
    inputs_changed: bool
    usage_old: Usage | None
    usage_new: Usage | None
    # Teacher calls the run behind the new data sent (its other answers came from the cache);
    # None unless the run report tells (`pending.annotate`).
    new_calls: int | None = None

    def count(self, status: SampleStatus) -> int:
        return sum(1 for s in self.samples if s.status == status)

    @property
    def rejected_old(self) -> int:
        return sum(r.old for r in self.rejected)

    @property
    def rejected_new(self) -> int:
        return sum(r.new for r in self.rejected)

    @property
    def model_changed(self) -> bool:
        return self.model_old != self.model_new and self.status in {"changed", "renamed"}


@dataclass(frozen=True)
class DiffSummary:
    leaves_old: int
    leaves_new: int
    by_status: tuple[tuple[str, int], ...]
    samples_added: int
    samples_removed: int
    samples_changed: int
    kept_old: int
    kept_new: int
    rejected_old: int
    rejected_new: int
    usage: Usage  # of the answers behind the touched leaves' new data
    cost_known: bool
    new_calls: int | None = None  # teacher calls sent for them, when the run report tells

    @property
    def touched(self) -> int:
        return sum(n for status, n in self.by_status if status != "unchanged")

    @property
    def rejection_rate_old(self) -> float | None:
        return rejection_rate(self.rejected_old, self.kept_old)

    @property
    def rejection_rate_new(self) -> float | None:
        return rejection_rate(self.rejected_new, self.kept_new)


PendingState = Literal["missing", "stale", "failed"]


@dataclass(frozen=True)
class PendingLeaf:
    """A changed leaf without up-to-date data: its state and the reason, as the user reads it."""

    leaf_id: str
    path: str  # project-relative path of the qna.yaml
    state: PendingState
    reason: str


@dataclass(frozen=True)
class DataDiff:
    base: str  # what the old side is: a commit sha or a directory
    head: str
    leaves: tuple[LeafDiff, ...]
    summary: DiffSummary
    # Changed leaves whose data is missing, stale or failed (`pending.annotate`; only known
    # when the head is the working tree of a project).
    pending: tuple[PendingLeaf, ...] = ()
    # Leaves whose base data is of an older format: compared as if the base had none.
    outdated_base: tuple[str, ...] = ()

    @property
    def touched(self) -> tuple[LeafDiff, ...]:
        return tuple(leaf for leaf in self.leaves if leaf.status != "unchanged")


# ---------------------------------------------------------------------------------------------
# Comparing


def diff_datasets(
    old: DatasetState,
    new: DatasetState,
    *,
    base: str = "base",
    head: str = "head",
    outdated_base: tuple[str, ...] = (),
) -> DataDiff:
    """Compare two dataset states; every leaf of either side appears once in the result.
    `outdated_base` names the leaves left out of `old` for being of an older format."""
    only_old = sorted(set(old) - set(new))
    only_new = sorted(set(new) - set(old))
    renames = _match_renames([old[k] for k in only_old], [new[k] for k in only_new])
    leaves: list[LeafDiff] = []
    for leaf_id in sorted(set(old) & set(new)):
        leaves.append(_compare(old[leaf_id], new[leaf_id], renamed=False))
    for new_id, old_id in renames.items():
        leaves.append(_compare(old[old_id], new[new_id], renamed=True))
    moved = set(renames.values())
    leaves.extend(_compare(None, new[k], renamed=False) for k in only_new if k not in renames)
    leaves.extend(_compare(old[k], None, renamed=False) for k in only_old if k not in moved)
    leaves.sort(key=lambda leaf: leaf.leaf_id)
    summary = _summarise(leaves, len(old), len(new))
    return DataDiff(base, head, tuple(leaves), summary, outdated_base=outdated_base)


def _match_renames(removed: list[LeafData], added: list[LeafData]) -> dict[str, str]:
    """new leaf id -> old leaf id, pairing greedily by the share of identical samples."""
    candidates: list[tuple[float, str, str]] = []
    for before in removed:
        old_keys = {s.content for s in before.samples}
        if not old_keys:
            continue
        for after in added:
            new_keys = {s.content for s in after.samples}
            if not new_keys:
                continue
            share = len(old_keys & new_keys) / max(len(old_keys), len(new_keys))
            if share >= RENAME_SIMILARITY:
                candidates.append((-share, after.leaf_id, before.leaf_id))
    pairs: dict[str, str] = {}
    used: set[str] = set()
    for _, new_id, old_id in sorted(candidates):
        if new_id not in pairs and old_id not in used:
            pairs[new_id] = old_id
            used.add(old_id)
    return dict(sorted(pairs.items()))


def _compare(before: LeafData | None, after: LeafData | None, *, renamed: bool) -> LeafDiff:
    old_samples = before.samples if before else ()
    new_samples = after.samples if after else ()
    changes, unchanged = _sample_changes(old_samples, new_samples)
    old_reasons = before.rejected_by_reason() if before else {}
    new_reasons = after.rejected_by_reason() if after else {}
    reasons = tuple(
        ReasonCount(r, old_reasons.get(r, 0), new_reasons.get(r, 0))
        for r in sorted(set(old_reasons) | set(new_reasons))
    )
    old_manifest = before.manifest if before else None
    new_manifest = after.manifest if after else None
    status = _status(before, after, changes, renamed=renamed)
    sample = (new_samples or old_samples or (None,))[0]
    manifest = new_manifest or old_manifest
    return LeafDiff(
        leaf_id=after.leaf_id if after else before.leaf_id if before else "",
        status=status,
        old_leaf_id=before.leaf_id if renamed and before else None,
        kind=sample.kind if sample else manifest.kind if manifest else None,
        samples=changes,
        unchanged_samples=unchanged,
        kept_old=len(old_samples),
        kept_new=len(new_samples),
        rejected=reasons,
        model_old=old_manifest.teacher.model if old_manifest else None,
        model_new=new_manifest.teacher.model if new_manifest else None,
        templates_changed=_templates_changed(old_manifest, new_manifest),
        inputs_changed=bool(
            old_manifest and new_manifest and old_manifest.inputs_hash != new_manifest.inputs_hash
        ),
        usage_old=old_manifest.usage if old_manifest else None,
        usage_new=new_manifest.usage if new_manifest else None,
    )


def _status(
    before: LeafData | None,
    after: LeafData | None,
    changes: tuple[SampleChange, ...],
    *,
    renamed: bool,
) -> LeafStatus:
    if before is None:
        return "new"
    if after is None:
        return "removed"
    if renamed:
        return "renamed"
    same = (
        not changes
        and [(r.content, r.stage, r.reason) for r in before.rejected]
        == [(r.content, r.stage, r.reason) for r in after.rejected]
        and before.manifest == after.manifest
    )
    return "unchanged" if same else "changed"


def _templates_changed(old: Manifest | None, new: Manifest | None) -> tuple[str, ...]:
    if old is None or new is None:
        return ()
    before, after = dict(old.templates), dict(new.templates)
    return tuple(sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)))


def _sample_changes(
    old: tuple[Sample, ...], new: tuple[Sample, ...]
) -> tuple[tuple[SampleChange, ...], int]:
    """Added, removed and changed samples (a removed and an added one sharing their form, context
    and question)."""
    old_by_content = {s.content: s for s in old}
    new_by_content = {s.content: s for s in new}
    removed = [s for c, s in old_by_content.items() if c not in new_by_content]
    added = [s for c, s in new_by_content.items() if c not in old_by_content]
    unchanged = len(old_by_content.keys() & new_by_content.keys())
    added_by_question: dict[tuple[str, str, str], list[Sample]] = defaultdict(list)
    for sample in sorted(added, key=lambda s: s.id):
        added_by_question[_asked(sample)].append(sample)
    changes: list[SampleChange] = []
    for sample in sorted(removed, key=lambda s: s.id):
        partners = added_by_question.get(_asked(sample))
        if partners:
            changes.append(SampleChange("changed", sample, partners.pop(0)))
        else:
            changes.append(SampleChange("removed", sample, None))
    changes.extend(
        SampleChange("added", None, s) for group in added_by_question.values() for s in group
    )
    order = {"changed": 0, "added": 1, "removed": 2}
    changes.sort(key=lambda c: (order[c.status], c.id))
    return tuple(changes), unchanged


def _asked(sample: Sample) -> tuple[str, str, str]:
    """What a sample asks, answer aside: two samples asking the same thing are one that changed."""
    return (sample.form, sample.context, sample.question)


def _summarise(leaves: list[LeafDiff], old_count: int, new_count: int) -> DiffSummary:
    statuses = Counter(leaf.status for leaf in leaves)
    runs = [leaf.usage_new for leaf in leaves if leaf.status != "unchanged" and leaf.usage_new]
    costs = [u.cost_usd for u in runs]
    known_costs = [c for c in costs if c is not None]
    known = len(known_costs) == len(costs)
    usage = Usage(
        calls=sum(u.calls for u in runs),
        prompt_tokens=sum(u.prompt_tokens for u in runs),
        completion_tokens=sum(u.completion_tokens for u in runs),
        cached_prompt_tokens=sum(u.cached_prompt_tokens for u in runs),
        # Nothing known about any run is "unknown"; no runs at all cost nothing.
        cost_usd=round(sum(known_costs), 6) if known_costs or not costs else None,
    )
    return DiffSummary(
        leaves_old=old_count,
        leaves_new=new_count,
        by_status=tuple((s, statuses.get(s, 0)) for s in STATUS_ORDER),
        samples_added=sum(leaf.count("added") for leaf in leaves),
        samples_removed=sum(leaf.count("removed") for leaf in leaves),
        samples_changed=sum(leaf.count("changed") for leaf in leaves),
        kept_old=sum(leaf.kept_old for leaf in leaves),
        kept_new=sum(leaf.kept_new for leaf in leaves),
        rejected_old=sum(leaf.rejected_old for leaf in leaves),
        rejected_new=sum(leaf.rejected_new for leaf in leaves),
        usage=usage,
        cost_known=known,
    )

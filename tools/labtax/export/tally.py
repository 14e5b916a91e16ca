"""What an export made, counted: per phase, per leaf, and where its inputs came from.

The dataset card (`card`) and the command's summary (`render/export_text`) show these records;
nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from labtax.export.recipe import Recipe


@dataclass(frozen=True)
class InputsState:
    """The commit the taxonomy and `generated/` were at ("" outside a git repository), and
    whether either had changes not committed."""

    commit: str
    uncommitted: bool


@dataclass(frozen=True)
class LeafTally:
    """One leaf's rows: train rows in its phase and how many of them the skills phase replays,
    train rows dropped by decontamination, and its test rows (seeds, held-out generated)."""

    leaf: str
    kind: str
    phase: str
    state: str  # fresh | stale | missing | outdated
    train: int
    replayed: int
    dropped: int
    test_seeds: int
    test_generated: int

    @property
    def branch(self) -> str:
        return self.leaf.split("/", 1)[0]


@dataclass(frozen=True)
class PhaseTally:
    """One phase's rows: train and test by source, generated train rows by form, train rows
    dropped by decontamination by source, and how many train rows are short ones written first
    (the knowledge phase's; 0 for a phase that does not order them)."""

    train: Mapping[str, int]
    test: Mapping[str, int]
    forms: Mapping[str, int]
    dropped: Mapping[str, int]
    short_first: int = 0

    @property
    def train_rows(self) -> int:
        return sum(self.train.values())

    @property
    def test_rows(self) -> int:
        return sum(self.test.values())

    @property
    def dropped_rows(self) -> int:
        return sum(self.dropped.values())


@dataclass(frozen=True)
class MixSummary:
    """An export: where it is, its recipe, its counts, and what produced its inputs."""

    out: str
    recipe: Recipe
    phases: Mapping[str, PhaseTally]
    leaves: tuple[LeafTally, ...]
    teachers: tuple[str, ...]
    templates: Mapping[str, tuple[str, ...]]
    inputs: InputsState
    orphaned: tuple[str, ...]
    labtax_version: str

    @property
    def behind(self) -> tuple[LeafTally, ...]:
        """Leaves whose data was not up to date (only with --allow-stale)."""
        return tuple(t for t in self.leaves if t.state != "fresh")

"""`labtax export`: LAB's phased-training mixes, loadable by a trainer.

From `generated/` (read only through `labtax.dataset`) and the leaves' seeds, a mix directory:
`OUT/<phase>/{train,test}.jsonl` for the `knowledge` and `skills` phases (Parquet copies when
asked), `OUT/recipe.yaml` (the resolved recipe) and `OUT/README.md` (a dataset card that
`datasets.load_dataset(OUT, phase)` reads). The modules, in the order an export uses them:

- `recipe`, `recipe_source`: the recipe's keys, checks and defaults; where it comes from;
- `survey`: the first pass: leaves, freshness, split and test rows, the RAFT pool;
- `split`: a leaf's train / test split and the copies weights and caps give;
- `rows`: the row records and their JSON lines; `raft`: RAFT user turns;
- `decontamination`: the test side's turns, indexed; train rows matching them are dropped;
- `replay`: outside datasets drawn into the phases;
- `shuffle`: the seeded bucket shuffle that keeps memory bounded;
- `mix`: the passes, `export_mix`; `output`: building aside and replacing OUT; `card`: the
  dataset card; `tally`: the counts; `seeded`: every seeded choice.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from labtax.export.mix import export_mix
    from labtax.export.recipe import Recipe, with_formats
    from labtax.export.recipe_source import load_recipe
    from labtax.export.tally import MixSummary

__all__ = ["MixSummary", "Recipe", "export_mix", "load_recipe", "with_formats"]

# Loaded on first use, so that a light module (`rows`, whose names the evaluation reads) does not
# bring the whole export (git, the passes, the card) with it.
_WHERE = {
    "MixSummary": "labtax.export.tally",
    "Recipe": "labtax.export.recipe",
    "export_mix": "labtax.export.mix",
    "load_recipe": "labtax.export.recipe_source",
    "with_formats": "labtax.export.recipe",
}


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'labtax.export' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

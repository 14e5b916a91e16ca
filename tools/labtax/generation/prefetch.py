"""Fetching and checking a plan's documents before the run, in a step that holds no teacher key.

`labtax generate --prefetch-only` runs this: the documents of every leaf the plan would generate are
fetched into their mirrors (a repository URL) or located (a folder of this repository) and read
once, with every check generation makes. The step holding the key then runs with
`--no-document-fetch`, whose document store only reads the prepared mirrors and never touches the
network: a leaf naming a document repository cannot make the keyed step connect anywhere.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from labtax import documents, inputs
from labtax.config import Config
from labtax.errors import LabtaxError
from labtax.generation.plan import Plan
from labtax.leaves import Leaf


@dataclass(frozen=True)
class PrefetchedLeaf:
    """One leaf's documents: how many files are ready, or why they are not (`message`)."""

    leaf_id: str
    files: int = 0
    message: str = ""

    @property
    def ok(self) -> bool:
        return not self.message


async def prefetch(config: Config, plan: Plan) -> tuple[PrefetchedLeaf, ...]:
    """Fetch and read the documents of every leaf of `plan` that has any, in leaf order."""
    store = documents.DocumentStore(config, fetch=True)
    wanted = [leaf for leaf in plan.generate if inputs.document_ref(config, leaf) is not None]
    return tuple(await asyncio.gather(*(_one(store, leaf) for leaf in wanted)))


async def _one(store: documents.DocumentStore, leaf: Leaf) -> PrefetchedLeaf:
    try:
        files = await store.files(leaf)
    except LabtaxError as exc:
        return PrefetchedLeaf(leaf.leaf_id, message=exc.render())
    return PrefetchedLeaf(leaf.leaf_id, files=len(files))

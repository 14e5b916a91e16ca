"""LAB pipelines, one module per leaf kind, and the one table generation finds them in.

`freeform` (questions, judge, answers, rating), `grounded` (new contexts, then the freeform stages
per context) and `knowledge` (pairs and auxiliary data from every document chunk; standalone,
faithfulness and relevance judges) each state their own `PIPELINE`: material, targets, one round
and its call bound, estimates and filtering (`pipelines.pipeline.Pipeline`). `judging` is the
batched judge they share, `auxiliary` knowledge's summaries and facts. A new leaf kind is a new
module and a line here; nothing else branches on the kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from labtax.leaves import LeafKind
from labtax.pipelines import freeform, grounded, knowledge
from labtax.pipelines.pipeline import Pipeline

PIPELINES: Mapping[LeafKind, Pipeline] = MappingProxyType(
    {
        LeafKind.FREEFORM_SKILL: freeform.PIPELINE,
        LeafKind.GROUNDED_SKILL: grounded.PIPELINE,
        LeafKind.KNOWLEDGE: knowledge.PIPELINE,
    }
)

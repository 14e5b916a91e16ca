"""A project for export tests: leaves of every kind and their generated data in format 2,
written with the dataset writer (manifests carry the leaves' inputs hashes: the data is fresh).

`make_mix_project(root)` builds and commits a git repository with a freeform leaf, a grounded
leaf and two knowledge leaves (local documents), each with `PER_LEAF` kept samples of seeded,
varied text (no two of them near-duplicates); knowledge leaves have several chunks and a few
auxiliary samples. `write_data` rewrites one leaf's data from given samples, and the `*_samples`
builders make samples like the generator's. Importable from any test module.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from gitrepo import git
from labtax.config import Config, load_config
from labtax.dataset import writer
from labtax.dataset.records import (
    Call,
    DocumentUse,
    Form,
    Manifest,
    Provenance,
    Sample,
    SampleCounts,
    TeacherParams,
    Volume,
)
from labtax.inputs import inputs_hash
from labtax.leaves import load_file
from labtax.usage import Usage
from projects import make_data_project, write
from sampleleaves import PRESS_DOC, WATER_DOC, freeform_yaml, grounded_yaml, knowledge_yaml

FREEFORM = "compositional_skills/riddles/objects"
GROUNDED = "compositional_skills/grounded/summaries/paragraph"
WATER = "knowledge/science/water_cycle"
PRESS = "knowledge/history/printing_press"
LEAVES = (GROUNDED, FREEFORM, PRESS, WATER)  # sorted by id
PER_LEAF = 20
TEACHER = "openai/mix-test-teacher"
TEMPLATES = {"knowledge_qa": "1" * 64, "skill_answer": "2" * 64}

# Made-up words: 64 of them, so seeded texts of ten words share little.
_WORDS = tuple(
    first + second
    for first in ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi")
    for second in ("ber", "dan", "fel", "gor", "lin", "mar", "tos", "wen")
)


def text(rng: random.Random, count: int) -> str:
    """`count` seeded words: two such texts share little, so they are never near-duplicates."""
    return " ".join(rng.choice(_WORDS) for _ in range(count))


def skill_samples(leaf: str, count: int, *, grounded: bool, seed: int = 1) -> list[Sample]:
    """A skill leaf's samples; grounded ones share each context among three questions."""
    rng = random.Random(f"{leaf}/{seed}")
    made = Provenance((Call("skill_answer", "a" * 64),))
    found = []
    context = ""
    for i in range(count):
        if grounded and i % 3 == 0:
            context = text(rng, 30)
        form: Form = "grounded" if grounded else "instruction"
        kind = "grounded_skill" if grounded else "freeform_skill"
        question = text(rng, 9) + "?"
        found.append(Sample(leaf, kind, form, context, question, text(rng, 14), 3, made))
    return found


def knowledge_samples(
    leaf: str, count: int, *, chunks: int = 4, auxiliary: int = 2, seed: int = 1
) -> list[Sample]:
    """A knowledge leaf's samples: `knowledge_qa` over `chunks` chunks, plus `auxiliary`
    summaries and facts."""
    rng = random.Random(f"{leaf}/{seed}")
    passages = [text(rng, 40) for _ in range(chunks)]
    found = []
    for i in range(count):
        chunk = i % chunks
        made = Provenance((Call("knowledge_qa", "b" * 64),), 1, "doc.md", chunk)
        question = text(rng, 10) + "?"
        found.append(
            Sample(
                leaf, "knowledge", "knowledge_qa", passages[chunk], question, text(rng, 12), 3, made
            )
        )
    forms: tuple[Form, ...] = ("detailed_summary", "extractive_summary", "atomic_facts")
    for i in range(auxiliary):
        made = Provenance((Call(forms[i % 3], "c" * 64),), 1, "doc.md", i % chunks)
        instruction = f"Summarise the passage above ({forms[i % 3]})."
        found.append(
            Sample(
                leaf,
                "knowledge",
                forms[i % 3],
                passages[i % chunks],
                instruction,
                text(rng, 20),
                3,
                made,
            )
        )
    return found


def write_data(config: Config, leaf_id: str, samples: Sequence[Sample]) -> None:
    """`samples` as the leaf's generated data, fresh for the leaf as it is now."""
    leaf = load_file(config, config.taxonomy / leaf_id / "qna.yaml")
    kind = leaf.kind.value
    manifest = Manifest(
        leaf=leaf_id,
        kind=kind,
        inputs_hash=inputs_hash(config, leaf),
        labtax_version="0.1.0",
        teacher=TeacherParams(TEACHER, 0.7, 1024, 42, len(samples)),
        templates=TEMPLATES,
        counts=SampleCounts(len(samples), len(samples), 0),
        usage=Usage(calls=len(samples), prompt_tokens=10, completion_tokens=5, cost_usd=None),
        volume=Volume(len(samples), len(samples), 1),
        stages={},
        documents=(DocumentUse("doc.md", 4, len(samples)),) if kind == "knowledge" else (),
    )
    writer.write_leaf(config.generated / leaf_id, samples, [], manifest)


def make_mix_project(root: Path, *, per_leaf: int = PER_LEAF, commit: bool = True) -> Path:
    """The project described in the module docstring; returns its root."""
    make_data_project(root)
    tax = root / "taxonomy"
    write(tax / FREEFORM / "qna.yaml", freeform_yaml())
    write(tax / GROUNDED / "qna.yaml", grounded_yaml())
    write(root / "documents/water/water.md", WATER_DOC)
    write(root / "documents/press/press.md", PRESS_DOC)
    write(
        tax / WATER / "qna.yaml", knowledge_yaml("hydrology", WATER_DOC, "documents/water", "local")
    )
    write(
        tax / PRESS / "qna.yaml", knowledge_yaml("history", PRESS_DOC, "documents/press", "local")
    )
    for leaf in LEAVES:
        write(tax / leaf / "attribution.txt", "Written for labtax tests.\n")
    config = load_config(root)
    write_data(config, FREEFORM, skill_samples(FREEFORM, per_leaf, grounded=False))
    write_data(config, GROUNDED, skill_samples(GROUNDED, per_leaf, grounded=True))
    write_data(config, WATER, knowledge_samples(WATER, per_leaf))
    write_data(config, PRESS, knowledge_samples(PRESS, per_leaf))
    if commit:
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "taxonomy and data")
    return root

"""The dataset card of a mix: `OUT/README.md`, which Hugging Face `datasets` reads.

Its YAML header declares two configs, `knowledge` and `skills`, each with its `train` and `test`
files, and their features, so `datasets.load_dataset(OUT, "knowledge")` and
`datasets.load_dataset(OUT, "skills")` load the phases. `datasets` refuses a split without rows,
so a split whose file is empty is left out of the header (and a phase with neither). The body
says how to train on the phases in order, and what is in the mix: rows per phase, source and
form, per branch and leaf, what decontamination dropped, the recipe, and what made the inputs
(teacher models, template hashes, labtax version, git commit). No timestamps: the same mix
gives the same card.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from labtax import sanitize
from labtax.export.output import MARKER
from labtax.export.recipe import RESOLVED_NAME
from labtax.export.rows import COLUMNS, MESSAGES, PHASES
from labtax.export.tally import LeafTally, MixSummary
from labtax.util import plural

SPLITS = ("train", "test")


def header(built: Path, formats: Sequence[str]) -> dict[str, Any]:
    """The card's YAML header: configs (non-empty splits only) and their features."""
    configs = []
    for phase in PHASES:
        files = [
            {"split": split, "path": f"{phase}/{split}.jsonl"}
            for split in SPLITS
            if (built / phase / f"{split}.jsonl").stat().st_size
        ]
        if files:
            configs.append({"config_name": phase, "data_files": files})
    # A list of its own per config: a shared one would be dumped as a YAML anchor and alias.
    info = [{"config_name": c["config_name"], "features": features()} for c in configs]
    tags = ["labtax", "instruction-tuning", "synthetic"]
    if "parquet" in formats:
        tags.append("parquet-copies")
    return {"configs": configs, "dataset_info": info, "tags": tags}


def features() -> list[dict[str, Any]]:
    """The columns of every row file, as the card's `dataset_info` declares them."""
    message = [{"name": "content", "dtype": "string"}, {"name": "role", "dtype": "string"}]
    return [
        {"name": name, "list": message} if name == MESSAGES else {"name": name, "dtype": "string"}
        for name in COLUMNS
    ]


def render(summary: MixSummary, built: Path) -> str:
    """The whole card."""
    head = yaml.safe_dump(
        header(built, summary.recipe.formats), sort_keys=False, allow_unicode=True
    )
    parts = [
        f"---\n{head}---\n{MARKER}\n",
        _intro(summary),
        _phases(summary),
        _branches(summary.leaves),
        _leaves(summary.leaves),
        _recipe(summary),
        _provenance(summary),
    ]
    return "\n".join(parts)


def _intro(summary: MixSummary) -> str:
    out = summary.out
    prompt = summary.recipe.system_prompt
    system = f"the system prompt {_code(prompt)}" if prompt else "no system prompt"
    short = plural(summary.phases["knowledge"].short_first, "row")
    return f"""# Training mix

A LAB-style phased training mix written by `labtax export` from the taxonomy's generated data.
Train on **knowledge** first, then on **skills**: the skills phase replays part of the knowledge
phase so the student keeps what it learned. Every row is one conversation in `messages`
({system}, then the user turn, then the assistant's), with `leaf`, `kind`, `form`, `source`,
`id` and `length`: the format TRL's `SFTTrainer` takes. As LAB tunes knowledge, short samples
come first, then long ones: `length` is `short` for a conversation of at most
{summary.recipe.knowledge_short_tokens} tokens (estimated), and the knowledge `train` file holds
its short rows first ({short}), then the long ones.

```python
from datasets import load_dataset

knowledge = load_dataset("{out}", "knowledge")  # train, then evaluate on its test split
short = knowledge["train"].filter(lambda row: row["length"] == "short")  # first,
long = knowledge["train"].filter(lambda row: row["length"] == "long")  # then
skills = load_dataset("{out}", "skills")
```

`test` holds every leaf's human-written seed examples and a held-out share of its generated
questions (knowledge closed book); no `train` user turn repeats a test turn, exactly or nearly
(ROUGE-L {summary.recipe.decontamination}).
"""


def _phases(summary: MixSummary) -> str:
    lines = [
        "## Phases\n",
        "| phase | train rows | test rows | dropped by decontamination |",
        "|---|---:|---:|---:|",
    ]
    for phase, tally in summary.phases.items():
        lines.append(f"| {phase} | {tally.train_rows} | {tally.test_rows} | {tally.dropped_rows} |")
    missing = [
        f"{phase} {split}"
        for phase, tally in summary.phases.items()
        for split, rows in (("train", tally.train_rows), ("test", tally.test_rows))
        if not rows
    ]
    if missing:
        lines += [
            "",
            f"Without rows, so not declared in the header (`datasets` loads no empty split): "
            f"{', '.join(missing)}. `datasets.get_dataset_config_names` lists the phases "
            "there are.",
        ]
    lines += ["", "| phase | split | source | rows |", "|---|---|---|---:|"]
    for phase, tally in summary.phases.items():
        for split, counts in (("train", tally.train), ("test", tally.test)):
            lines.extend(f"| {phase} | {split} | {_code(s)} | {n} |" for s, n in counts.items())
    lines += ["", "Generated train rows by form:", "", "| phase | form | rows |", "|---|---|---:|"]
    for phase, tally in summary.phases.items():
        lines.extend(f"| {phase} | {_code(f)} | {n} |" for f, n in tally.forms.items())
    dropped = [(p, s, n) for p, t in summary.phases.items() for s, n in t.dropped.items()]
    if dropped:
        lines += ["", "Dropped from train by decontamination:", ""]
        lines.extend(f"- {p}, {_code(s)}: {plural(n, 'row')}" for p, s, n in dropped)
    return "\n".join(lines) + "\n"


def _branches(leaves: Iterable[LeafTally]) -> str:
    totals: dict[str, list[int]] = defaultdict(lambda: [0] * 5)
    for tally in leaves:
        row = totals[tally.branch]
        for i, value in enumerate(
            (1, tally.train, tally.replayed, tally.test_seeds + tally.test_generated, tally.dropped)
        ):
            row[i] += value
    lines = [
        "## Branches\n",
        "| branch | leaves | train rows | replayed into skills | test rows | dropped |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for branch, row in sorted(totals.items()):
        lines.append(f"| {_code(branch)} | " + " | ".join(map(str, row)) + " |")
    return "\n".join(lines) + "\n"


def _leaves(leaves: Iterable[LeafTally]) -> str:
    lines = [
        "## Leaves\n",
        "| leaf | kind | data | train rows | replayed into skills | test: seeds | "
        "test: generated | dropped |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for t in leaves:
        lines.append(
            f"| {_code(t.leaf)} | {t.kind} | {t.state} | {t.train} | {t.replayed} | "
            f"{t.test_seeds} | {t.test_generated} | {t.dropped} |"
        )
    return "\n".join(lines) + "\n"


def _recipe(summary: MixSummary) -> str:
    r = summary.recipe
    replay = ", ".join(
        f"{_code(s.name)} (knowledge {s.ratios['knowledge']}, skills {s.ratios['skills']})"
        for s in r.replay
    )
    weights = ", ".join(f"{_code(w.pattern)} x{w.weight}" for w in r.weights)
    return f"""## Recipe

From {_code(r.origin)}; every value, defaults included, is in [`{RESOLVED_NAME}`]({RESOLVED_NAME}).

- seed {r.seed}; test: {r.test_fraction} of each leaf's generated questions, at least {r.test_min}
- weights: {weights or "none"}; cap per leaf: {r.max_per_leaf or "none"}
- knowledge replayed into skills: {r.knowledge_replay} of the knowledge phase, at least \
{r.min_knowledge_share} of the skills phase
- RAFT: {r.raft.distractors} distractor chunks, the right chunk among them with probability \
{r.raft.p}
- outside replay: {replay or "none"}
- files: {", ".join(r.formats)}
"""


def _provenance(summary: MixSummary) -> str:
    inputs = summary.inputs
    if inputs.commit:
        commit = f"commit `{inputs.commit}`"
        if inputs.uncommitted:
            commit += ", with changes not committed in the taxonomy or generated data"
    else:
        commit = "not a git repository"
    templates = "; ".join(f"{_code(n)} {', '.join(h)}" for n, h in summary.templates.items())
    lines = [
        "## Provenance\n",
        f"- labtax {summary.labtax_version}",
        f"- inputs: {commit}",
        f"- teacher: {', '.join(_code(t) for t in summary.teachers) or 'none'}",
        f"- prompt templates (sha256): {templates or 'none'}",
    ]
    behind = summary.behind
    if behind:
        listed = ", ".join(f"{_code(t.leaf)} ({t.state})" for t in behind)
        lines.append(
            f"- exported with --allow-stale: the data of {plural(len(behind), 'leaf', 'leaves')} "
            f"was not up to date: {listed}"
        )
    if summary.orphaned:
        listed = ", ".join(_code(o) for o in summary.orphaned)
        lines.append(f"- not exported: data of leaves no longer in the taxonomy: {listed}")
    return "\n".join(lines) + "\n"


def _code(text: str) -> str:
    """`text` as a code span that is also safe in a table cell (a pipe would end the cell)."""
    return sanitize.code_span(text).replace("|", "\\|")

"""Benchmark what generating costs: teacher calls and prompt tokens per KEPT sample, per leaf kind,
next to instructlab/sdg's full pipeline. Prints its figures; not a test.

The starter taxonomy (this repository's `taxonomy/` and `documents/`, with the volumes and stage
settings of its `pyproject.toml`) is generated from scratch, every judge running, against the
fake teacher, whose answers and token counts are the same in-process as over HTTP (it counts
prompt tokens as labtax estimates them: about four characters a token). Calls and prompt tokens
are what the leaves' manifests record; a per-stage breakdown follows.

sdg's figures are worked out from its pipeline and prompt files (`pipelines/full/*.yaml`,
`configs/skills/*.yaml`, `configs/knowledge/*.yaml`) with every candidate passing: freeform about
3.0 calls and 1.8k prompt tokens per kept sample (a judge call, an answer call and a rating call
per question, a question-writing call per batch), knowledge about 3.3 calls and 3.0k (spellcheck
and question writing per chunk and seed, then faithfulness, relevance and question judges per
pair, each carrying the document). Grounded skills, worked out the same way from
`grounded_skills.yaml`: a context call and a question-writing call per three questions (each
carrying a seed and the context) and three calls per question of about 1.0k-1.2k tokens each
(the context in every one), about 3.7 calls and 3.5k tokens. labtax's figures include its
rejections, its later rounds and its auxiliary knowledge data.

Run: .venv/bin/python bench/cost_bench.py
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from labtax import fake_teacher, prompts
from labtax.cache import Answer
from labtax.config import load_config
from labtax.generation.plan import Selection, make_plan
from labtax.generation.run import run_plan
from labtax.teacher import Teacher
from labtax.transport import CallParams
from labtax.util import estimate_message_tokens

REPO = Path(__file__).resolve().parents[1]

# (calls, prompt tokens) per kept sample in instructlab/sdg's full pipeline, by leaf kind.
SDG = {
    "freeform_skill": (3.0, 1800),
    "grounded_skill": (3.7, 3500),
    "knowledge": (3.3, 3000),
}


class FakeTeacher:
    """The fake teacher's answers without HTTP; tallies calls and prompt tokens per stage."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.tokens: Counter[str] = Counter()

    async def send(
        self, messages: Sequence[prompts.Message], attempt: int, params: CallParams
    ) -> Answer:
        stage = prompts.stage_of(messages) or "?"
        self.calls[stage] += 1
        self.tokens[stage] += estimate_message_tokens(messages)
        text = fake_teacher.respond(messages)
        prompt, completion = fake_teacher.token_counts(messages, text)
        return Answer(text, prompt, completion, None)

    async def estimate_cost(
        self, messages: Sequence[prompts.Message], params: CallParams
    ) -> float | None:
        return None


def starter_project(work: Path) -> Path:
    root = work / "starter"
    root.mkdir()
    for name in ("taxonomy", "documents"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    return root


def manifests(root: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((root / "generated").rglob("manifest.json"))]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = starter_project(Path(tmp))
        config = load_config(root)
        plan = make_plan(config, Selection(force=True))
        transport = FakeTeacher()
        teacher = Teacher(config.teacher, transport, cache=None)
        summary = asyncio.run(run_plan(config, plan, teacher))
        failed = [r for r in summary.results if r.status != "generated"]
        if failed:
            raise SystemExit(f"leaves not generated: {[(r.leaf_id, r.message) for r in failed]}")
        written = manifests(root)
    generation = config.generation
    print(
        f"starter taxonomy: {len(written)} leaves, samples_per_leaf {generation.samples_per_leaf},"
        f" samples_per_chunk {generation.samples_per_chunk}, fake teacher, every judge running\n"
    )
    header = (
        f"{'kind':16} {'leaves':>6} {'kept':>5} {'target':>6} {'calls/kept':>10}"
        f" {'tokens/kept':>11} {'sdg calls':>9} {'sdg tokens':>10}  at or below sdg"
    )
    print(header)
    print("-" * len(header))
    for kind, (sdg_calls, sdg_tokens) in SDG.items():
        mine = [m for m in written if m["kind"] == kind]
        kept = sum(m["counts"]["kept"] for m in mine)
        target = sum(m["volume"]["target"] for m in mine)
        calls = sum(m["usage"]["calls"] for m in mine)
        tokens = sum(m["usage"]["prompt_tokens"] for m in mine)
        per_call, per_token = calls / kept, tokens / kept
        below = per_call <= sdg_calls and per_token <= sdg_tokens
        print(
            f"{kind:16} {len(mine):>6} {kept:>5} {target:>6} {per_call:>10.2f} {per_token:>11,.0f}"
            f" {sdg_calls:>9.1f} {sdg_tokens:>10,}  {'yes' if below else 'NO'}"
        )
    print("\nper stage (all leaves):")
    for stage in prompts.GENERATION:
        if transport.calls[stage]:
            calls = transport.calls[stage]
            tokens = transport.tokens[stage]
            each = tokens // calls
            print(f"  {stage:20} {calls:>5} calls {tokens:>9,} prompt tokens ({each:,} each)")
    print("\nvolume per leaf:")
    for m in written:
        volume = m["volume"]
        rounds = volume["rounds"]
        line = f"  {m['leaf']}: kept {volume['kept']} of {volume['target']} in {rounds} rounds"
        if m["documents"]:
            chunks = ", ".join(f"{d['path']} {d['chunks']} chunks" for d in m["documents"])
            line += f" ({chunks})"
        print(line + (f"; {volume['shortfall']}" if volume["shortfall"] else ""))


if __name__ == "__main__":
    main()

"""Builders of projects for any test area: a generation project (git repo) with leaves of every
kind, a one-leaf haiku project, an empty data project, and the fake teacher answering in-process.
The fixtures that use them are in conftest.py."""

from __future__ import annotations

from pathlib import Path

from gitrepo import git
from sampleleaves import (
    HAIKU,
    HAIKU_DIR,
    PRESS_DOC,
    WATER_DOC,
    freeform_yaml,
    grounded_yaml,
    knowledge_yaml,
)

ATTRIBUTION = "Title of work: labtax test leaves\nLicense of the work: Apache-2.0\n"


def make_docs_repo(path: Path) -> str:
    """A git repository holding PRESS_DOC; returns the pinned commit (a later commit changes it)."""
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    (path / "press.md").write_text(PRESS_DOC, encoding="utf-8")
    (path / "notes.txt").write_text("not selected by the patterns\n", encoding="utf-8")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "docs")
    pinned = git(path, "rev-parse", "HEAD").strip()
    (path / "press.md").write_text(PRESS_DOC + "\nA later edit the pin must not see.\n")
    git(path, "commit", "-q", "-am", "later")
    return pinned


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def make_project(root: Path, docs_repo: Path | None = None) -> Path:
    """A git repository with a freeform, a grounded and one or two knowledge leaves, committed."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write(
        root / "labtax.toml",
        '[teacher]\nmodel = "openai/labtax-fake-teacher"\nconcurrency = 16\nretries = 8\n'
        "timeout = 2\n\n[generation]\nsamples_per_leaf = 4\nsamples_per_chunk = 2\n"
        # The sample leaves are short (fewer seeds than a real leaf needs), which keeps prompts
        # and generated data small; a project may relax a rule so, and generate still runs.
        "\n[rules]\nschema = 'warning'\n",
    )
    write(root / ".gitignore", ".labtax/\n")
    tax = root / "taxonomy"
    write(tax / "compositional_skills/riddles/objects/qna.yaml", freeform_yaml())
    write(tax / "compositional_skills/grounded/summaries/paragraph/qna.yaml", grounded_yaml())
    write(root / "documents/water/water.md", WATER_DOC)
    write(root / "documents/water/skip.txt", "not selected\n")
    write(
        tax / "knowledge/science/water_cycle/qna.yaml",
        knowledge_yaml("hydrology", WATER_DOC, "documents/water", "local"),
    )
    if docs_repo is not None:
        commit = make_docs_repo(docs_repo)
        write(
            tax / "knowledge/history/printing_press/qna.yaml",
            knowledge_yaml("history", PRESS_DOC, docs_repo.as_uri(), commit),
        )
    for leaf in tax.rglob("qna.yaml"):
        write(leaf.parent / "attribution.txt", ATTRIBUTION)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "taxonomy")
    return root


def make_haiku_project(root: Path) -> Path:
    """A labtax project root (marked by labtax.toml, not a git repository) holding one valid
    skill leaf, HAIKU, at HAIKU_DIR with its attribution."""
    leaf = root / HAIKU_DIR
    leaf.mkdir(parents=True)
    (root / "labtax.toml").write_text("# project root\n")
    (leaf / "qna.yaml").write_text(HAIKU)
    (leaf / "attribution.txt").write_text("Source: written for labtax tests\n")
    return root


def make_data_project(root: Path) -> Path:
    """A git repository on `main` with an empty taxonomy/ and a pyproject declaring the taxonomy
    and generated/ directories: the place for hand-written generated data (datafiles.py)."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    (root / "taxonomy").mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.labtax]\ntaxonomy = "taxonomy"\ngenerated = "generated"\n', encoding="utf-8"
    )
    return root


class InProcessTransport:
    """The fake teacher's answers without HTTP or litellm: fast tests of everything above them.

    With `model` set to the fake student's name it answers as the student taught `knowledge`."""

    def __init__(self, price: float | None = None, *, model: str = "", knowledge=None) -> None:
        self.sent = 0
        self.price = price
        self.model = model
        self.knowledge = knowledge

    async def send(self, messages, attempt, params=None):
        from labtax import fake_teacher
        from labtax.cache import Answer

        self.sent += 1
        text = fake_teacher.respond(messages, model=self.model, knowledge=self.knowledge)
        # Counted as the fake server counts, so manifests match a run over HTTP byte for byte.
        prompt, completion = fake_teacher.token_counts(messages, text)
        return Answer(text, prompt, completion, self.price)

    async def estimate_cost(self, messages, params=None):
        return self.price


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root` by relative path, for byte-identical comparisons."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


class AgreeableTeacher:
    """A teacher whose every answer passes: as many distinct questions, contexts or pairs as asked
    for, every judge approving every item, every rating and relevance score 3. Counts calls per
    stage and remembers the call settings each stage was asked with."""

    def __init__(self) -> None:
        from collections import Counter

        self.calls: Counter[str] = Counter()
        self.params: dict[str, object] = {}

    async def complete(self, messages, *, stage, params=None):
        import hashlib
        import json
        import re

        from labtax.prompts import read_items, sections_of
        from labtax.teacher import Completion

        self.calls[stage] += 1
        self.params[stage] = params
        user = messages[-1]["content"]
        found = re.search(r"<count>\s*(\d+)\s*</count>", user)
        count = int(found.group(1)) if found else 0
        ids = [item["id"] for item in read_items(sections_of(messages).get("items", ""))]
        tag = hashlib.sha256(user.encode()).hexdigest()[:8]
        items = [f"Item {tag} number {i} of the batch, in full?" for i in range(count)]
        answers = {
            "skill_questions": {"questions": items},
            "grounded_contexts": {"contexts": items},
            "knowledge_qa": {"pairs": [{"question": q, "answer": "Yes."} for q in items]},
            "question_judge": {
                "verdicts": [
                    {"id": i, "relevant": True, "harmless": True, "answerable": True} for i in ids
                ]
            },
            "pair_rating": {"ratings": [{"id": i, "explanation": "fine", "score": 3} for i in ids]},
            "faithfulness": {"verdicts": [{"id": i, "faithful": True} for i in ids]},
            "standalone": {"verdicts": [{"id": i, "stands_alone": True} for i in ids]},
            "relevance": {
                "scores": [{"id": i, "explanation": "on point", "score": 3} for i in ids]
            },
            "atomic_facts": {"facts": [f"Fact one of {tag}.", f"Fact two of {tag}."]},
        }
        text = json.dumps(answers[stage]) if stage in answers else f"An answer ({tag})."
        request = hashlib.sha256(json.dumps(messages).encode()).hexdigest()
        return Completion(text, 10, 5, None, cached=False, request=request)


FAKE_STUDENT = "openai/labtax-fake-student"


class EvalTransports:
    """In-process transports for `labtax eval`: the fake student (taught the taxonomy of the
    project it runs in) and the fake teacher as judge; `sent` counts their calls by model."""

    def __init__(self) -> None:
        self.made: list[InProcessTransport] = []

    def make_teacher(self, config, cache_dir, budget=None, *, spending=None):
        from labtax.cache import ResponseCache
        from labtax.config import load_config
        from labtax.fake_teacher.student import learn_taxonomy
        from labtax.teacher import Teacher

        knowledge = learn_taxonomy(load_config())
        transport = InProcessTransport(model=config.model, knowledge=knowledge)
        self.made.append(transport)
        return Teacher(
            config, transport, cache=ResponseCache(cache_dir), budget=budget, spending=spending
        )

    @property
    def sent(self) -> int:
        return sum(t.sent for t in self.made)


def call_bound(config, leaf) -> int:
    """The calls a run reserves for `leaf` under a budget: its rounds' bound."""
    import asyncio

    from labtax.documents import DocumentStore
    from labtax.generation.rounds import leaf_call_bound
    from labtax.generation.run import pipeline_settings
    from labtax.pipelines import PIPELINES

    pipeline, settings = PIPELINES[leaf.kind], pipeline_settings(config)
    material = asyncio.run(pipeline.material(leaf, DocumentStore(config), settings))
    return leaf_call_bound(pipeline, material, settings)


def mark_export(out: Path) -> None:
    """The files that make `out` a directory `labtax export` wrote: its card and recipe."""
    from labtax.export.output import CARD, MARKER

    out.mkdir(parents=True, exist_ok=True)
    (out / CARD).write_text(f"---\n---\n{MARKER}\n", encoding="utf-8")
    (out / "recipe.yaml").write_text("format: 1\n", encoding="utf-8")


def write_export(out: Path, phase: str, *lines: str) -> None:
    mark_export(out)
    (out / phase).mkdir(parents=True, exist_ok=True)
    (out / phase / "test.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

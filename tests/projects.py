"""Builders for generation tests: leaves of every kind, a project (git repo) holding them, and the
fake teacher answering in-process. The fixtures that use them are in conftest.py."""

from __future__ import annotations

from pathlib import Path

from gitrepo import git

SKILL = """\
version: 3
task_description: Answer riddles about everyday objects with a short explanation.
created_by: tester
seed_examples:
{examples}
"""

FREEFORM_SEEDS = [
    ("What has keys but cannot open locks?", "A piano: it has keys but they play notes."),
    ("What has hands but cannot clap?", "A clock: its hands point at the hours."),
    ("What has a neck but no head?", "A bottle: its narrow top is called the neck."),
    ("What gets wetter the more it dries?", "A towel: it takes the water from you."),
    ("What has teeth but cannot bite?", "A comb: its teeth untangle hair."),
]

GROUNDED = """\
version: 3
task_description: Summarise the given paragraph in one sentence.
created_by: tester
seed_examples:
{examples}
"""

GROUNDED_SEEDS = [
    (
        "The town library opened a new reading room with large windows, quiet desks and a "
        "shelf of local history books donated by residents.",
        "Summarise this paragraph in one sentence.",
        "The library opened a bright, quiet reading room stocked with donated history books.",
    ),
    (
        "Volunteers planted two hundred oak saplings along the river last spring, and most of "
        "them survived the dry summer thanks to weekly watering.",
        "Give a one-sentence summary of the paragraph.",
        "Volunteers planted oak saplings by the river and kept most alive with weekly watering.",
    ),
    (
        "The bakery on Main Street now opens at six in the morning so that commuters can buy "
        "fresh bread and coffee before their trains leave.",
        "Summarise the paragraph briefly.",
        "The Main Street bakery opens at six so commuters can get bread and coffee early.",
    ),
]

KNOWLEDGE = """\
version: 3
domain: {domain}
created_by: tester
document_outline: {outline}
seed_examples:
{examples}
document:
  repo: {repo}
  commit: {commit}
  patterns:
    - "*.md"
"""

WATER_DOC = """\
# The water cycle

Water evaporates from oceans, lakes and rivers when the sun warms their surface. The vapour rises
into the atmosphere, where it cools and condenses into tiny droplets that form clouds.

When the droplets in a cloud grow heavy enough, they fall as precipitation: rain, snow, sleet or
hail, depending on the temperature of the air they fall through.

Precipitation that reaches the ground either soaks into the soil as infiltration, feeding
groundwater, or flows over the surface as runoff into streams, rivers and eventually the ocean.

Plants return water to the atmosphere through transpiration, releasing vapour from small pores in
their leaves. Together with evaporation this is called evapotranspiration.
"""

PRESS_DOC = """\
# The printing press

Johannes Gutenberg introduced a movable-type printing press in Mainz around 1450. His system
combined metal type cast in a hand mould, an oil-based ink and a wooden screw press.

The Gutenberg Bible, printed in the 1450s, was one of the first major books produced with movable
type in Europe. About 180 copies were made, on paper and on vellum.

Printing spread quickly: by 1500 presses operated in more than two hundred European cities, and
millions of books had been printed. Cheaper books helped literacy and the spread of new ideas.
"""


def _block(text: str, indent: int) -> str:
    pad = " " * indent
    return ">\n" + "\n".join(pad + line for line in text.splitlines())


def freeform_yaml(seeds: list[tuple[str, str]] = FREEFORM_SEEDS, created_by: str = "tester") -> str:
    items = "\n".join(f"  - question: {q!r}\n    answer: {a!r}" for q, a in seeds)
    return SKILL.format(examples=items).replace("created_by: tester", f"created_by: {created_by}")


def grounded_yaml() -> str:
    items = "\n".join(
        f"  - context: {c!r}\n    question: {q!r}\n    answer: {a!r}" for c, q, a in GROUNDED_SEEDS
    )
    return GROUNDED.format(examples=items)


def knowledge_yaml(domain: str, document: str, repo: str, commit: str) -> str:
    paragraphs = [p for p in document.split("\n\n") if not p.startswith("#")]
    items = []
    for paragraph in paragraphs[:3]:
        first = paragraph.replace("\n", " ").split(". ")[0]
        items.append(
            f"  - context: {paragraph.replace(chr(10), ' ')!r}\n"
            "    questions_and_answers:\n"
            f"      - question: {('What does the text say about ' + first[:40] + '?')!r}\n"
            f"        answer: {(first + '.')!r}\n"
        )
    return KNOWLEDGE.format(
        domain=domain,
        outline=f"Facts about {domain}",
        examples="".join(items).rstrip("\n"),
        repo=repo,
        commit=commit,
    )


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
        "timeout = 2\nsamples_per_leaf = 4\n",
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
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "taxonomy")
    return root


class InProcessTransport:
    """The fake teacher's answers without HTTP or litellm: fast tests of everything above them."""

    def __init__(self, price: float | None = None) -> None:
        self.sent = 0
        self.price = price

    async def send(self, messages, attempt):
        from labtax import fake_teacher
        from labtax.cache import Answer

        self.sent += 1
        text = fake_teacher.respond(messages)
        # Counted as the fake server counts, so manifests match a run over HTTP byte for byte.
        prompt = sum(fake_teacher.estimate_tokens(m["content"]) + 4 for m in messages)
        completion = fake_teacher.estimate_tokens(text) if text else 0
        return Answer(text, prompt, completion, self.price)

    async def estimate_cost(self, messages):
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
    for, every judge approving, every rating 3. Counts calls per stage."""

    def __init__(self) -> None:
        from collections import Counter

        self.calls: Counter[str] = Counter()

    async def complete(self, messages, *, stage):
        import hashlib
        import json
        import re

        from labtax.teacher import Completion

        self.calls[stage] += 1
        user = messages[-1]["content"]
        found = re.search(r"<count>\s*(\d+)\s*</count>", user)
        count = int(found.group(1)) if found else 0
        tag = hashlib.sha256(user.encode()).hexdigest()[:8]
        items = [f"Item {tag} number {i} of the batch, in full?" for i in range(count)]
        answers = {
            "skill_questions": {"questions": items},
            "grounded_contexts": {"contexts": items},
            "knowledge_qa": {"pairs": [{"question": q, "answer": "Yes."} for q in items]},
            "question_judge": {"relevant": True, "harmless": True, "answerable": True},
            "pair_rating": {"explanation": "fine", "score": 3},
            "faithfulness": {"explanation": "quoted", "faithful": True},
        }
        text = json.dumps(answers[stage]) if stage in answers else f"An answer ({tag})."
        return Completion(text, 10, 5, None, cached=False)

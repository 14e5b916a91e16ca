"""Fixtures for the generate tests: a small project (git repo) with every leaf kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitrepo import git
from sampleleaves import (
    PRESS_DOC,
    WATER_DOC,
    freeform_yaml,
    grounded_yaml,
    knowledge_yaml,
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


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_project(tmp_path / "project", tmp_path / "docs-repo")
    monkeypatch.chdir(root)
    monkeypatch.setenv("LABTAX_CACHE_DIR", str(root / ".labtax" / "cache"))
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
        prompt, completion = fake_teacher.token_counts(messages, text)
        return Answer(text, prompt, completion, self.price)

    async def estimate_cost(self, messages):
        return self.price


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> InProcessTransport:
    """Make `labtax generate` use the in-process fake teacher (no litellm import)."""
    from labtax.cache import ResponseCache
    from labtax.commands import generate as command
    from labtax.teacher import Teacher

    transport = InProcessTransport()

    def make(config, cache_dir, budget=None):
        return Teacher(config, transport, cache=ResponseCache(cache_dir), budget=budget)

    monkeypatch.setattr(command, "make_teacher", make)
    return transport


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root` by relative path, for byte-identical comparisons."""
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def kit():
    """The builders above, for test modules (importing conftest is unreliable under importlib)."""
    import types

    return types.SimpleNamespace(
        git=git,
        freeform_yaml=freeform_yaml,
        grounded_yaml=grounded_yaml,
        knowledge_yaml=knowledge_yaml,
        make_project=make_project,
        make_docs_repo=make_docs_repo,
        write=write,
        tree_bytes=tree_bytes,
        WATER_DOC=WATER_DOC,
        PRESS_DOC=PRESS_DOC,
        InProcessTransport=InProcessTransport,
    )

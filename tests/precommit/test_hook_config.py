"""The published hook manifest and this repository's pre-commit configuration."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None, reason="pre-commit is not installed"
)

REPO_ROOT = Path(__file__).resolve().parents[2]
MANIFEST = REPO_ROOT / ".pre-commit-hooks.yaml"
CONFIG = REPO_ROOT / ".pre-commit-config.yaml"

LEAF_YAML = [
    "taxonomy/knowledge/science/water/qna.yaml",
    "taxonomy/compositional_skills/writing/freeform/qna.yaml",
    "taxonomy/foundational_skills/reasoning/qna.yml",
    "taxonomy/compositional_skills/grounded/a/QnA.YAML",
    "taxonomy/knowledge/a/template_qna.yaml",
    # InstructLab's layout: the branches at the repository root.
    "knowledge/arts/music/qna.yaml",
    "compositional_skills/linguistics/synonyms/qna.yaml",
    "foundational_skills/reasoning/qna.yml",
]
ATTRIBUTIONS = [
    "taxonomy/knowledge/science/water/attribution.txt",
    "compositional_skills/linguistics/synonyms/attribution.txt",
]
UNRELATED = [
    "README.md",
    "taxonomy/README.md",
    "taxonomy/qna.yaml",
    "taxonomy/knowledge_base/qna.yaml",
    "taxonomy/knowledge/a/notes.md",
    "taxonomy/knowledge/a/attribution.md",
    "mytaxonomy/knowledge/a/qna.yaml",
    "docs/template_qna.yaml",
    "documents/water_cycle/water_cycle.md",
    ".github/workflows/validate.yml",
    ".pre-commit-config.yaml",
    "knowledge.yaml",
]


def hooks_by_id(path: Path) -> dict[str, dict[str, object]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    hooks = data if isinstance(data, list) else [h for r in data["repos"] for h in r["hooks"]]
    return {hook["id"]: hook for hook in hooks}


def selected(hook: dict[str, object], paths: list[str]) -> list[str]:
    # pre-commit applies `files` with re.search, and `exclude` likewise.
    files = re.compile(str(hook.get("files", "")))
    exclude = re.compile(str(hook.get("exclude", "^$")))
    return [p for p in paths if files.search(p) and not exclude.search(p)]


def test_manifest_and_config_are_valid(run_pre_commit) -> None:
    manifest = run_pre_commit(REPO_ROOT, "validate-manifest", str(MANIFEST))
    assert manifest.returncode == 0, manifest.stdout
    config = run_pre_commit(REPO_ROOT, "validate-config", str(CONFIG))
    assert config.returncode == 0, config.stdout


def test_published_hooks_run_labtax_with_the_changed_files() -> None:
    hooks = hooks_by_id(MANIFEST)
    assert set(hooks) == {"labtax-validate", "labtax-fix"}
    for name, hook in hooks.items():
        assert hook["language"] == "python"
        assert str(hook["entry"]).startswith(f"labtax {name.removeprefix('labtax-')}")
        assert hook.get("pass_filenames", True) is True
    assert hooks["labtax-fix"]["entry"] == "labtax fix"


def test_the_validate_hook_also_runs_for_a_commit_that_only_deletes() -> None:
    # pre-commit passes no deleted file: the hook finds staged deletions itself, and must run
    # when nothing else is staged.
    for hook in (hooks_by_id(MANIFEST)["labtax-validate"], hooks_by_id(CONFIG)["labtax-validate"]):
        assert hook["always_run"] is True
    assert hooks_by_id(MANIFEST)["labtax-validate"]["entry"] == (
        "labtax validate --staged-deletions"
    )


def test_validate_hook_selects_leaf_files_in_both_layouts() -> None:
    hook = hooks_by_id(MANIFEST)["labtax-validate"]
    wanted = LEAF_YAML + ATTRIBUTIONS
    assert selected(hook, wanted + UNRELATED) == wanted
    # Symlinked leaves are passed too, so a link escaping the repository gets reported.
    assert set(hook["types_or"]) == {"file", "symlink"}  # type: ignore[arg-type]
    assert hook["types"] == []


def test_fix_hook_selects_leaf_yaml_only() -> None:
    hook = hooks_by_id(MANIFEST)["labtax-fix"]
    assert selected(hook, LEAF_YAML + ATTRIBUTIONS + UNRELATED) == LEAF_YAML
    assert hook.get("types", ["file"]) == ["file"]


def test_local_config_needs_no_remote_repositories() -> None:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert [r["repo"] for r in config["repos"]] == ["local"]
    hooks = hooks_by_id(CONFIG)
    assert {"labtax-fix", "labtax-validate", "ruff-check", "ruff-format", "mypy"} <= set(hooks)
    for hook in hooks.values():
        assert hook["language"] == "system"
        assert str(hook["entry"]).startswith(".venv/bin/")
    # Fixing runs before validating, so a commit is checked as it will be written.
    order = list(hooks)
    assert order.index("labtax-fix") < order.index("labtax-validate")


def test_local_validate_hook_passes_on_this_repository(run_pre_commit) -> None:
    venv_labtax = REPO_ROOT / ".venv" / "bin" / "labtax"
    assert venv_labtax.exists(), "the local hooks run the tools `make setup` installs into .venv"
    # --files runs without stashing anything; this hook only reads.
    done = run_pre_commit(
        REPO_ROOT,
        "run",
        "labtax-validate",
        "--verbose",
        "--files",
        "taxonomy/knowledge/science/earth_science/water_cycle/qna.yaml",
    )
    assert done.returncode == 0, done.stdout
    assert re.search(r"^labtax validate\.+Passed$", done.stdout, re.M), done.stdout
    assert re.search(r"^0 errors, 0 warnings in 0 of \d+ files$", done.stdout, re.M), done.stdout

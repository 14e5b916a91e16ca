"""What the rule tests feed a rule: one file as validation hands it over, or a whole project run.

`subject` writes a file into a project and builds the `Subject` every rule receives (text, parsed
leaf, checked version); `findings` runs the validation pipeline over a project. Importable from any
test module (`pythonpath = ["tests"]`).
"""

from __future__ import annotations

from pathlib import Path

from labtax import leaves, schemas, yamldoc
from labtax.config import load_config
from labtax.diagnostics import Diagnostic
from labtax.rules.subject import Subject
from labtax.validation import validate

SKILL_ID = "compositional_skills/writing/poetry/haiku"
KNOWLEDGE_ID = "knowledge/science/chemistry/copper"


CHECKED = -1  # `subject(version=CHECKED)`: the version validation would check the leaf at


def subject(
    root: Path,
    text: str | None,
    *,
    leaf_id: str | None = SKILL_ID,
    name: str = leaves.LEAF_NAME,
    version: int | None = CHECKED,
) -> Subject:
    """A `Subject` for `text` written at taxonomy/LEAF_ID/NAME under the project `root`.

    The leaf is parsed when the text parses (else None, as for a broken file); `version` is the
    one validation would check it at unless given (None: unknown). `text=None` stands for a file
    that could not be read; `leaf_id=None` puts the file outside the taxonomy.
    """
    (root / "labtax.toml").touch()
    config = load_config(root)
    where = config.taxonomy / leaf_id if leaf_id is not None else root / "elsewhere"
    file = where / name
    file.parent.mkdir(parents=True, exist_ok=True)
    leaf = None
    if text is not None:
        file.write_text(text, encoding="utf-8")
        try:
            leaf = leaves.load_text(config.rel(file), leaf_id or ".", text)
        except yamldoc.LoadProblem:
            leaf = None
    if version == CHECKED:
        version = schemas.effective_version(leaf.data) if leaf is not None else None
    return Subject(config, file, config.rel(file), leaf_id, text, leaf, version)


def findings(root: Path) -> list[Diagnostic]:
    """Every diagnostic of a validation run over the project at `root`, sorted."""
    return list(validate(load_config(root)).diagnostics)


def located(found: list[Diagnostic]) -> list[tuple[str, str, int, int]]:
    """(rule, level, line, col) of each diagnostic."""
    return [(d.rule, d.level.value, d.line, d.col) for d in found]

"""The pipeline: light imports, same result in one process or several, sorted and deterministic."""

from __future__ import annotations

from pathlib import Path

from labtax.config import load_config
from labtax.validation import PARALLEL_MIN_FILES, validate
from sampleleaves import HAIKU

LEAF = "taxonomy/compositional_skills/writing/poetry/haiku"


def _tree(root: Path, count: int, skill: str) -> None:
    (root / "labtax.toml").write_text("\n")
    for index in range(count):
        leaf = root / f"taxonomy/compositional_skills/group_{index % 7}/leaf_{index:04d}"
        leaf.mkdir(parents=True)
        text = skill.replace("labtax-tests", f"author-{index}")
        if index % 5 == 0:
            text = text.replace("version: 3", "version: 2")  # a warning
        if index % 11 == 0:
            text = text.replace("created_by", "made_by")  # errors
        (leaf / "qna.yaml").write_text(text)
        if index % 13:
            (leaf / "attribution.txt").write_text("x\n")


def test_parallel_and_single_process_agree(tmp_path: Path, monkeypatch) -> None:
    _tree(tmp_path, PARALLEL_MIN_FILES + 40, HAIKU)
    monkeypatch.chdir(tmp_path)
    config = load_config(tmp_path)
    single = validate(config, jobs=1)
    several = validate(config, jobs=2)
    assert single == several
    assert single.files == PARALLEL_MIN_FILES + 40
    assert list(single.diagnostics) == sorted(single.diagnostics)
    rules = {d.rule for d in single.diagnostics}
    assert rules == {"schema", "version-deprecated", "attribution"}

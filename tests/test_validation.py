"""The pipeline: which files a run checks, what each file gets, the same sorted result in one
process or several."""

from __future__ import annotations

from pathlib import Path

from labtax.config import load_config
from labtax.diagnostics import Level
from labtax.validation import (
    PARALLEL_MIN_FILES,
    check_file,
    match_paths,
    targets,
    validate,
    validate_files,
)
from sampleleaves import HAIKU, HAIKU_DIR


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


def write(root: Path, rel: str, text: str = HAIKU) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_targets_are_the_given_paths_or_the_whole_taxonomy(haiku_project: Path) -> None:
    config = load_config(haiku_project)
    stray = write(haiku_project, "taxonomy/misc/qna.yaml")
    leaf = haiku_project / HAIKU_DIR / "qna.yaml"
    everything = targets(config)
    assert everything == sorted([leaf, stray])  # a dedicated taxonomy/ is walked whole
    assert targets(config, [leaf.parent / "attribution.txt"]) == [leaf]
    readme = write(haiku_project, "taxonomy/README.md", "# notes\n")
    assert targets(config, [readme]) == []  # stands for no leaf: never the whole tree


def test_with_branches_at_the_root_only_the_branches_are_walked(tmp_path: Path) -> None:
    (tmp_path / "labtax.toml").touch()
    leaf = write(tmp_path, "knowledge/a/qna.yaml")
    write(tmp_path, "docs/template_qna.yaml")
    assert targets(load_config(tmp_path)) == [leaf]
    # `validate .` (or the root by any name) walks what a run with no path walks.
    assert match_paths(load_config(tmp_path), [tmp_path])[0] == [leaf]


def test_a_misnamed_file_gets_only_its_name_finding(haiku_project: Path) -> None:
    config = load_config(haiku_project)
    misnamed = write(haiku_project, "taxonomy/compositional_skills/x/qna.yml", "- broken\n")
    assert [d.rule for d in check_file(config, misnamed)] == ["leaf-file-name"]


def test_an_unreadable_file_gets_one_located_finding(haiku_project: Path) -> None:
    config = load_config(haiku_project)
    nul = write(haiku_project, "taxonomy/compositional_skills/x/qna.yaml", "a: 1\nb: \x00\n")
    (found,) = check_file(config, nul)
    assert (found.rule, found.line, found.col, found.level) == ("file-nul", 2, 4, Level.ERROR)


def test_outside_the_branches_a_document_key_makes_a_leaf_knowledge(haiku_project: Path) -> None:
    config = load_config(haiku_project)
    text = "version: 3\ndomain: d\ndocument_outline: o\nseed_examples: []\ndocument: {}\n"
    stray = write(haiku_project, "elsewhere/qna.yaml", text)
    rules = {d.rule for d in check_file(config, stray)}
    assert "leaf-branch" in rules
    assert "version-unsupported" not in rules  # checked as knowledge v3, not as a skill
    schema = [d.message for d in check_file(config, stray) if d.rule == "schema"]
    assert any("seed_examples needs at least" in m for m in schema)


def test_a_report_is_sorted_without_repeats_and_counts_the_files(haiku_project: Path) -> None:
    config = load_config(haiku_project)
    bad = write(haiku_project, "taxonomy/compositional_skills/a/qna.yaml", "a: 1  \nb: 2 \n")
    leaf = haiku_project / HAIKU_DIR / "qna.yaml"
    report = validate_files(config, [leaf, bad, bad])
    assert report.files == 3
    assert list(report.diagnostics) == sorted(set(report.diagnostics))
    assert [d.line for d in report.diagnostics if d.rule == "yaml-trailing-space"] == [1, 2]

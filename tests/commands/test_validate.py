"""`labtax validate`: output formats, exit codes, command-line usage, --changed, import weight.

The golden output for every corpus case is in test_validate_corpus.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gitrepo import git
from labtax.cli import main
from sampleleaves import HAIKU

LEAF = "taxonomy/compositional_skills/writing/poetry/haiku"


def _break(haiku_project: Path) -> None:
    leaf = haiku_project / LEAF / "qna.yaml"
    leaf.write_text(leaf.read_text().replace("created_by: labtax-tests", "created_by: 5"))


def test_clean_project_exits_0_with_a_summary(haiku_project: Path, invoke) -> None:
    run = invoke("validate", cwd=haiku_project)
    assert run.code == 0
    assert run.out == "0 errors, 0 warnings in 0 of 1 file\n"


def test_text_line_format_and_summary(haiku_project: Path, invoke) -> None:
    _break(haiku_project)
    run = invoke("validate", "--format", "text", cwd=haiku_project)
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0].startswith(
        f"{LEAF}/qna.yaml:2:13: error [schema] created_by must be text, not an integer (hint: "
    )
    assert lines[-1] == "1 error, 0 warnings in 1 of 1 file"


def test_json_records(haiku_project: Path, invoke) -> None:
    _break(haiku_project)
    run = invoke("validate", "--format", "json", cwd=haiku_project)
    assert run.code == 1
    [record] = json.loads(run.out)
    assert set(record) == {"path", "line", "col", "level", "rule", "message", "hint"}
    assert (record["path"], record["line"], record["col"]) == (f"{LEAF}/qna.yaml", 2, 13)
    assert (record["level"], record["rule"]) == ("error", "schema")
    assert record["hint"]


def test_auto_format_is_github_inside_actions(haiku_project: Path, invoke) -> None:
    _break(haiku_project)
    run = invoke("validate", cwd=haiku_project, env={"GITHUB_ACTIONS": "true"})
    assert run.out.startswith(
        f"::error file={LEAF}/qna.yaml,line=2,col=13,title=labtax schema::created_by must be"
    )
    assert invoke("validate", cwd=haiku_project).out.startswith(f"{LEAF}/qna.yaml:2:13: error")


def test_warnings_pass_unless_strict(haiku_project: Path, invoke) -> None:
    (haiku_project / LEAF / "attribution.txt").unlink()
    leaf = haiku_project / LEAF / "qna.yaml"
    leaf.write_text(leaf.read_text().replace("version: 3\n", ""))
    run = invoke("validate", cwd=haiku_project)
    assert run.code == 0
    assert "warning [version-deprecated]" in run.out
    assert invoke("validate", "--strict", cwd=haiku_project).code == 1


def test_paths_limit_the_run(haiku_project: Path, invoke) -> None:
    other = haiku_project / "taxonomy/compositional_skills/writing/other"
    other.mkdir(parents=True)
    (other / "qna.yaml").write_text("- not a mapping\n")
    assert invoke("validate", cwd=haiku_project).code == 1
    run = invoke("validate", LEAF, cwd=haiku_project)
    assert (run.code, run.out) == (0, "0 errors, 0 warnings in 0 of 1 file\n")
    assert invoke("validate", f"{LEAF}/qna.yaml", cwd=haiku_project).code == 0


def test_usage_errors_exit_2(haiku_project: Path, invoke) -> None:
    assert invoke("validate", "no/such/path", cwd=haiku_project).code == 2
    assert invoke("validate", "--format", "xml", cwd=haiku_project).code == 2
    assert invoke("validate", "--base", "main", cwd=haiku_project).code == 2


def test_taxonomy_option_points_elsewhere(haiku_project: Path, invoke) -> None:
    (haiku_project / "taxonomy").rename(haiku_project / "tree")
    run = invoke("validate", "--taxonomy", "tree", cwd=haiku_project)
    assert (run.code, run.out) == (0, "0 errors, 0 warnings in 0 of 1 file\n")


def test_instructlab_layout_with_branches_at_the_root(
    tmp_path: Path, haiku_project: Path, invoke
) -> None:
    repo = tmp_path / "il"
    (haiku_project / "taxonomy").rename(repo)
    (repo / ".git").mkdir()
    (repo / "docs").mkdir()
    (repo / "docs" / "template_qna.yaml").write_text("not: checked\n")
    run = invoke("validate", cwd=repo)
    assert (run.code, run.out) == (0, "0 errors, 0 warnings in 0 of 1 file\n")
    misnamed = invoke("validate", "--format", "json", "docs/template_qna.yaml", cwd=repo)
    assert [r["rule"] for r in json.loads(misnamed.out)] == ["leaf-file-name"]


def test_leaf_outside_the_taxonomy_root_is_reported(haiku_project: Path, invoke) -> None:
    stray = haiku_project / "elsewhere" / "qna.yaml"
    stray.parent.mkdir()
    stray.write_text((haiku_project / LEAF / "qna.yaml").read_text())
    (stray.parent / "attribution.txt").write_text("x\n")
    run = invoke("validate", "--format", "json", "elsewhere", cwd=haiku_project)
    assert [r["rule"] for r in json.loads(run.out)] == ["leaf-branch"]


def test_an_attribution_path_stands_for_its_leaf(haiku_project: Path, invoke) -> None:
    _break(haiku_project)
    run = invoke("validate", "--format", "json", f"{LEAF}/attribution.txt", cwd=haiku_project)
    assert [(r["path"], r["rule"]) for r in json.loads(run.out)] == [(f"{LEAF}/qna.yaml", "schema")]


def test_a_path_matching_no_leaf_is_a_usage_error_naming_it(haiku_project: Path, invoke) -> None:
    (haiku_project / "README.md").write_text("# notes\n")
    (haiku_project / "docs").mkdir()
    run = invoke("validate", "README.md", cwd=haiku_project)
    assert (run.code, run.out) == (2, "")
    assert "no leaf matches this path: README.md" in run.err
    # Named even when another path matches a leaf.
    run = invoke("validate", LEAF, "README.md", "docs", cwd=haiku_project)
    assert (run.code, run.out) == (2, "")
    assert "no leaf matches these paths: README.md, docs" in run.err


def test_paths_written_with_dot_dot_or_from_elsewhere_resolve_without_false_errors(
    haiku_project: Path, tmp_path: Path, invoke
) -> None:
    inside = haiku_project / "taxonomy" / "compositional_skills"
    run = invoke("validate", "../compositional_skills/writing", cwd=inside)
    assert (run.code, run.out) == (0, "0 errors, 0 warnings in 0 of 1 file\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = invoke("validate", "--format", "json", "../proj/taxonomy", cwd=elsewhere)
    assert (run.code, json.loads(run.out)) == (0, [])
    _break(haiku_project)
    run = invoke("validate", "--format", "json", "../proj/taxonomy", cwd=elsewhere)
    assert [(r["path"], r["rule"]) for r in json.loads(run.out)] == [(f"{LEAF}/qna.yaml", "schema")]


def test_a_symlinked_leaf_given_by_path_is_never_read_outside_the_repository(
    haiku_project: Path, tmp_path: Path, invoke
) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("aws_secret_access_key: SECRETVALUE123\nversion: 3\n")
    link = haiku_project / "taxonomy" / "compositional_skills" / "writing" / "lnk"
    link.mkdir()
    (link / "qna.yaml").symlink_to(secret)
    shown = "taxonomy/compositional_skills/writing/lnk/qna.yaml"
    for cwd in (haiku_project, tmp_path):
        given = link.relative_to(cwd) / "qna.yaml"
        run = invoke("validate", "--format", "json", str(given), cwd=cwd)
        found = json.loads(run.out)
        assert [(r["path"], r["message"]) for r in found] == [
            (shown, "symlink points outside the repository")
        ]
        assert "SECRET" not in run.out + run.err


SKILL_DIR = "taxonomy/compositional_skills/writing/poetry"


def _leaf(root: Path, name: str, text: str) -> None:
    leaf = root / SKILL_DIR / name
    leaf.mkdir(parents=True, exist_ok=True)
    (leaf / "qna.yaml").write_text(text)
    (leaf / "attribution.txt").write_text("Source: tests\n")


def test_only_changed_leaves_are_validated(repo: Path, invoke) -> None:
    _leaf(repo, "kept", HAIKU)
    _leaf(repo, "edited", HAIKU)
    _leaf(repo, "removed", HAIKU)
    _leaf(repo, "old_bad", "- not a mapping\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "work")
    edited = repo / SKILL_DIR / "edited" / "qna.yaml"
    edited.write_text(HAIKU.replace("created_by: labtax-tests", "created_by: 7"))
    for path in (repo / SKILL_DIR / "removed").iterdir():
        path.unlink()
    _leaf(repo, "added", HAIKU + "extra: key\n")
    (repo / SKILL_DIR / "added" / "qna.yml").write_text("a: 1\n")

    run = invoke("validate", "--changed", "--base", "main", "--format", "json", cwd=repo)
    found = sorted((r["path"], r["rule"]) for r in json.loads(run.out))
    assert found == [
        (f"{SKILL_DIR}/added/qna.yaml", "schema"),
        (f"{SKILL_DIR}/added/qna.yml", "leaf-file-name"),
        (f"{SKILL_DIR}/edited/qna.yaml", "schema"),
    ]
    assert run.code == 1
    text = invoke("validate", "--changed", "--base", "main", cwd=repo).out
    assert text.endswith("3 errors, 0 warnings in 3 of 3 files\n")
    scoped = invoke("validate", "--changed", "--base", "main", f"{SKILL_DIR}/edited", cwd=repo)
    assert scoped.out.endswith("1 error, 0 warnings in 1 of 1 file\n")


UNVERSIONED = HAIKU.replace("version: 3\n", "")


def _found(run) -> set[tuple[str, str, str]]:
    return {(r["path"].rsplit("/", 2)[-2], r["rule"], r["level"]) for r in json.loads(run.out)}


def test_leaves_added_or_changed_against_the_base_must_be_version_3(repo: Path, invoke) -> None:
    _leaf(repo, "old", UNVERSIONED)
    _leaf(repo, "edited", UNVERSIONED)
    _leaf(repo, "credited", UNVERSIONED)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "work")
    edited = repo / SKILL_DIR / "edited" / "qna.yaml"
    edited.write_text(UNVERSIONED.replace("labtax-tests", "someone"))
    (repo / SKILL_DIR / "credited" / "attribution.txt").write_text("Source: elsewhere\n")
    added = repo / SKILL_DIR / "added" / "qna.yaml"
    added.parent.mkdir()
    added.write_text(UNVERSIONED)  # no attribution.txt either: a version 1 leaf only warns

    run = invoke("validate", "--changed", "--format", "json", cwd=repo)
    assert run.code == 1
    assert _found(run) == {
        ("added", "version-required", "error"),
        ("added", "attribution", "warning"),
        ("edited", "version-required", "error"),
        ("credited", "version-required", "error"),
    }
    # Paths as pre-commit passes them: only the changed ones must be current.
    paths = [f"{SKILL_DIR}/old/qna.yaml", f"{SKILL_DIR}/added/qna.yaml"]
    run = invoke("validate", "--format", "json", *paths, cwd=repo)
    assert run.code == 1
    assert _found(run) == {
        ("old", "version-deprecated", "warning"),
        ("added", "version-required", "error"),
        ("added", "attribution", "warning"),
    }
    run = invoke("validate", f"{SKILL_DIR}/credited/attribution.txt", cwd=repo)
    assert "[version-required]" in run.out
    # The whole taxonomy, as on main: nothing counts as changed.
    assert invoke("validate", "--format", "json", cwd=repo).code == 0


def test_rule_levels_come_from_the_settings_per_rule_and_per_path(repo: Path, invoke) -> None:
    _leaf(repo, "legacy", UNVERSIONED)
    _leaf(repo, "fresh", UNVERSIONED)
    (repo / "pyproject.toml").write_text(
        "[tool.labtax.rules]\nversion-deprecated = 'error'\n"
        "[tool.labtax.rules.per-path]\n"
        f"'{SKILL_DIR}/legacy/**' = {{ version-required = 'warning' }}\n"
        f"'{SKILL_DIR}/fresh' = {{ version-required = 'off' }}\n"
    )
    paths = [f"{SKILL_DIR}/legacy", f"{SKILL_DIR}/fresh"]
    run = invoke("validate", "--format", "json", *paths, cwd=repo)  # no commit: both are new
    assert _found(run) == {
        ("legacy", "version-required", "warning"),
        ("fresh", "version-deprecated", "error"),
    }
    assert run.code == 1


def test_a_bad_rules_table_is_a_located_error_listing_the_choices(repo: Path, invoke) -> None:
    _leaf(repo, "kept", HAIKU)
    (repo / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n\n[tool.labtax.rules]\nword-limit = 'off'\nwordlimit = 'off'\n"
    )
    run = invoke("validate", cwd=repo)
    assert run.code == 1
    assert f"{repo / 'pyproject.toml'}:6:1: error: unknown rule id 'wordlimit'" in run.err
    assert "valid rule ids: " in run.err
    assert "version-required" in run.err


def test_staged_deletions_of_attribution_are_found_without_being_passed(repo: Path, invoke) -> None:
    _leaf(repo, "kept", HAIKU)
    _leaf(repo, "credited", HAIKU)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    run = invoke("validate", "--staged-deletions", cwd=repo)
    assert (run.code, run.out) == (0, "0 errors, 0 warnings in 0 of 0 files\n")
    git(repo, "rm", "-q", f"{SKILL_DIR}/credited/attribution.txt")
    run = invoke("validate", "--staged-deletions", "--format", "json", cwd=repo)
    assert run.code == 1
    assert _found(run) == {("credited", "attribution", "error")}
    # With the files pre-commit passes, both are checked.
    run = invoke("validate", "--staged-deletions", f"{SKILL_DIR}/kept/qna.yaml", cwd=repo)
    assert run.out.endswith("1 error, 0 warnings in 1 of 2 files\n")


def test_no_changes_validates_nothing(repo: Path, invoke) -> None:
    _leaf(repo, "kept", HAIKU)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    run = invoke("validate", "--changed", "--base", "main", cwd=repo)
    assert (run.code, run.out) == (0, "0 errors, 0 warnings in 0 of 0 files\n")


def test_a_missing_taxonomy_is_an_error_not_an_empty_pass(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert "no taxonomy at" in err
    assert "--taxonomy" in err


PROBE = """
import sys
from labtax.cli import main
code = main(["validate", "--format", "json"])
# jsonschema (~50 ms) is only needed to explain an invalid leaf; workers only for large runs.
names = ("litellm", "rapidfuzz", "rich", "openai", "httpx", "jsonschema", "multiprocessing")
heavy = sorted(m for m in names if m in sys.modules)
print("HEAVY", heavy, code, file=sys.stderr)
"""


def test_a_small_valid_run_imports_nothing_heavy(haiku_project: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=haiku_project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "HEAVY [] 0" in done.stderr, done.stderr

"""`labtax diff` end to end: real git refs, the working tree, two directories, report files."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import datafiles
from gitrepo import git
from labtax.cli import main

PAIRS = [("What is 2+2?", "4"), ("Capital of France?", "Paris"), ("Largest planet?", "Jupiter")]
SKILL = [("Write a haiku", "Rain falls"), ("Write a limerick", "There once was"), ("Rhyme", "time")]


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    code = main(["diff", "--format", "json", *args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def statuses(report: dict) -> dict[str, str]:
    return {leaf["leaf_id"]: leaf["status"] for leaf in report["leaves"]}


@pytest.fixture
def branched(data_project: Path) -> Path:
    """main holds three leaves; branch `feature` adds, removes, renames and regenerates."""
    gen = data_project / "generated"
    datafiles.write_leaf(gen, "knowledge/astronomy", PAIRS)
    datafiles.write_leaf(gen, "knowledge/removed", [("q", "a")])
    datafiles.write_leaf(gen, "compositional_skills/poetry", SKILL)
    datafiles.commit_all(data_project, "base data")
    git(data_project, "checkout", "-q", "-b", "feature")
    shutil.rmtree(gen / "knowledge" / "removed")
    shutil.rmtree(gen / "compositional_skills" / "poetry")
    datafiles.write_leaf(gen, "compositional_skills/writing/poetry", SKILL)
    datafiles.write_leaf(gen, "knowledge/added", [("new q", "new a")])
    datafiles.write_leaf(
        gen,
        "knowledge/astronomy",
        [PAIRS[0], ("Capital of France?", "Paris (changed)"), PAIRS[2]],
        model="openai/bigger-teacher",
    )
    datafiles.commit_all(data_project, "feature data")
    return data_project


def test_refs_new_removed_renamed_and_model_change(branched: Path, capsys) -> None:
    report = run_json(capsys, "--base", "main", "--head", "feature")
    assert statuses(report) == {
        "compositional_skills/writing/poetry": "renamed",
        "knowledge/added": "new",
        "knowledge/astronomy": "changed",
        "knowledge/removed": "removed",
    }
    leaves = {leaf["leaf_id"]: leaf for leaf in report["leaves"]}
    assert (
        leaves["compositional_skills/writing/poetry"]["old_leaf_id"]
        == "compositional_skills/poetry"
    )
    astronomy = leaves["knowledge/astronomy"]
    assert astronomy["teacher_model"] == {
        "old": "openai/labtax-fake-teacher",
        "new": "openai/bigger-teacher",
    }
    assert astronomy["counts"] == {"added": 0, "removed": 0, "changed": 1, "unchanged": 2}
    change = astronomy["samples"][0]
    assert (change["before"]["answer"], change["after"]["answer"]) == ("Paris", "Paris (changed)")
    assert report["base"] == git(branched, "rev-parse", "main").strip()
    assert report["head"] == "feature"


def test_base_is_the_merge_base_not_the_tip(branched: Path, capsys) -> None:
    # main moves on after the branch point: its new leaf must not show up as removed.
    git(branched, "checkout", "-q", "main")
    datafiles.write_leaf(branched / "generated", "knowledge/later_on_main", [("x", "y")])
    datafiles.commit_all(branched, "main moves on")
    git(branched, "checkout", "-q", "feature")
    report = run_json(capsys, "--base", "main")
    assert "knowledge/later_on_main" not in statuses(report)
    assert report["head"] == "working tree"


def test_head_defaults_to_the_working_tree(branched: Path, capsys) -> None:
    datafiles.write_leaf(branched / "generated", "knowledge/uncommitted", [("wip", "draft")])
    report = run_json(capsys, "--base", "main")
    assert statuses(report)["knowledge/uncommitted"] == "new"
    # With no --base the default branch (here the local main) is used.
    assert statuses(run_json(capsys))["knowledge/uncommitted"] == "new"


def test_unknown_base_is_an_error_not_a_traceback(branched: Path, capsys) -> None:
    code = main(["diff", "--base", "no-such-branch"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "no-such-branch" in err
    assert "Traceback" not in err


def test_damaged_data_at_a_ref_is_located(data_project: Path, capsys) -> None:
    directory = datafiles.write_leaf(data_project / "generated", "knowledge/a", PAIRS)
    datafiles.commit_all(data_project, "good")
    git(data_project, "checkout", "-q", "-b", "feature")
    (directory / "samples.jsonl").write_text('{"broken": \n', encoding="utf-8")
    datafiles.commit_all(data_project, "broken")
    code = main(["diff", "--base", "main", "--head", "feature"])
    _, err = capsys.readouterr()
    assert code == 1
    assert "generated/knowledge/a/samples.jsonl:1:" in err
    assert "Traceback" not in err


def _as_format_1(directory: Path) -> None:
    """Rewrite a leaf's manifest as labtax before data format 2 wrote it (no `format` key)."""
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("format")
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_a_base_of_an_older_data_format_is_compared_as_no_data_and_said_so(
    data_project: Path, capsys
) -> None:
    old = datafiles.write_leaf(data_project / "generated", "knowledge/a", PAIRS)
    datafiles.write_leaf(data_project / "generated", "knowledge/b", PAIRS)
    _as_format_1(old)
    datafiles.commit_all(data_project, "data of an older labtax")
    git(data_project, "checkout", "-q", "-b", "feature")
    datafiles.write_leaf(data_project / "generated", "knowledge/a", PAIRS)
    datafiles.commit_all(data_project, "regenerated")
    report = run_json(capsys, "--base", "main", "--head", "feature")
    assert report["outdated_base"] == ["knowledge/a"]
    assert statuses(report) == {"knowledge/a": "new", "knowledge/b": "unchanged"}
    note = "The base data of 1 leaf is of an older format (written by an older labtax)"
    for fmt in ("text", "markdown"):
        assert main(["diff", "--base", "main", "--head", "feature", "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert note in " ".join(out.split())
    # The head side is read strictly: data of an older format there is still an error.
    _as_format_1(data_project / "generated" / "knowledge/b")
    assert main(["diff", "--base", "main"]) == 1
    assert "data format 1; this labtax reads format 2" in capsys.readouterr().err


def test_two_directories(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    datafiles.write_leaf(tmp_path / "old", "knowledge/a", PAIRS)
    datafiles.write_leaf(tmp_path / "new", "knowledge/a", PAIRS[:2])
    report = run_json(capsys, "old", "new")
    assert (report["base"], report["head"]) == ("old", "new")
    assert report["summary"]["samples"] == {"added": 0, "removed": 1, "changed": 0}


@pytest.mark.parametrize(
    "args",
    [["only-one"], ["a", "b", "c"], ["--base", "main", "a", "b"], ["--max-chars", "10"]],
)
def test_usage_errors(tmp_path: Path, monkeypatch, capsys, args: list[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert main(["diff", *args]) == 2


def test_a_missing_directory_is_an_error(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old").mkdir()
    assert main(["diff", "old", "missing"]) == 1
    assert "missing: error: not a directory" in capsys.readouterr().err


def test_output_dir_and_step_summary(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    huge = "A" * 200_000
    datafiles.write_leaf(tmp_path / "old", "knowledge/a", [("q", "short")])
    datafiles.write_leaf(tmp_path / "new", "knowledge/a", [("q", huge)])
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code = main(["diff", "--format", "json", "--output-dir", "out", "old", "new"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert json.loads(out)["summary"]["samples"]["changed"] == 1
    written = summary.read_text(encoding="utf-8")
    assert written.startswith("# earlier step\n<!-- labtax-data-diff -->\n")
    assert len(written) < 60_000
    assert huge not in written
    full = (tmp_path / "out" / "data-diff.md").read_text(encoding="utf-8")
    assert huge in full  # the artifact keeps every field whole
    data = json.loads((tmp_path / "out" / "data-diff.json").read_text(encoding="utf-8"))
    assert data["leaves"][0]["samples"][0]["after"]["answer"] == huge
    assert not [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]


def test_text_format_renders_with_rich(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    datafiles.write_leaf(tmp_path / "old", "knowledge/a", PAIRS)
    datafiles.write_leaf(
        tmp_path / "new", "knowledge/a", [*PAIRS[:2], ("Largest planet?", "\x1b[2JSaturn")]
    )
    assert main(["diff", "--format", "text", "old", "new"]) == 0
    out = capsys.readouterr().out
    assert "CHANGED" in out
    assert "knowledge/a" in out
    assert "\x1b" not in out  # not a terminal: no colour, and the answer's escape is shown escaped
    assert "\\u001b[2JSaturn" in out


def test_diff_imports_no_heavy_modules() -> None:
    probe = (
        "import sys\n"
        "import labtax.commands.diff\n"
        "heavy = {'rich', 'litellm', 'rapidfuzz'}\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


# ---------------------------------------------------------------------------------------------
# What the last generate run and the branch's changes add to a diff of the working tree

RIDDLES = "compositional_skills/riddles/objects"
PARAGRAPH = "compositional_skills/grounded/summaries/paragraph"


def _generated_on_main(project: Path) -> None:
    assert main(["generate"]) == 0
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "data")
    git(project, "checkout", "-q", "-b", "work")


def _fail_stage(monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    """Make generation of any leaf reaching `stage` fail with a teacher error."""
    import projects
    from labtax import prompts
    from labtax.cache import ResponseCache
    from labtax.commands import generate as command
    from labtax.teacher import Teacher
    from labtax.transport import TeacherError

    class Refusing(projects.InProcessTransport):
        async def send(self, messages, attempt, params=None):
            if prompts.stage_of(messages) == stage:
                raise TeacherError("the teacher refused the request: quota exhausted")
            return await super().send(messages, attempt, params)

    transport = Refusing()
    monkeypatch.setattr(
        command,
        "make_teacher",
        lambda config, cache_dir, budget=None: Teacher(
            config, transport, cache=ResponseCache(cache_dir), budget=budget
        ),
    )


def test_changed_leaves_whose_generation_failed_or_is_pending_are_listed_in_every_format(
    project: Path, in_process, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    _generated_on_main(project)
    riddles = project / "taxonomy" / RIDDLES / "qna.yaml"
    riddles.write_text(riddles.read_text().replace("short explanation", "one-line explanation"))
    paragraph = project / "taxonomy" / PARAGRAPH / "qna.yaml"
    paragraph.write_text(paragraph.read_text().replace("one sentence", "two sentences"))
    _fail_stage(monkeypatch, "skill_questions")  # the riddles fail; the paragraph is not asked
    assert main(["generate", f"taxonomy/{RIDDLES}"]) == 1
    capsys.readouterr()

    assert main(["diff", "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert "No generated data changed." not in markdown
    assert "2 changed leaves have no up-to-date generated data" in markdown
    assert f"❌ failed `{RIDDLES}`: `" in markdown
    assert "quota exhausted" in markdown
    assert f"⚠️ stale `{PARAGRAPH}`: `the generated data is from older inputs" in markdown
    assert "the changed leaves above have no up-to-date data" in markdown

    assert main(["diff", "--format", "text"]) == 0
    text = capsys.readouterr().out
    assert f"FAILED   {RIDDLES}" in text
    assert f"STALE    {PARAGRAPH}" in text
    assert "quota exhausted" in text

    pending = run_json(capsys)["pending"]
    assert [(p["leaf_id"], p["state"]) for p in pending] == [
        (PARAGRAPH, "stale"),
        (RIDDLES, "failed"),
    ]
    assert "quota exhausted" in pending[1]["reason"]
    assert pending[1]["path"] == f"taxonomy/{RIDDLES}/qna.yaml"


def test_a_refused_leaf_is_listed_with_its_diagnostic(project: Path, in_process, capsys) -> None:
    _generated_on_main(project)
    riddles = project / "taxonomy" / RIDDLES / "qna.yaml"
    riddles.write_text(riddles.read_text().replace("short explanation", "one-line explanation"))
    (riddles.parent / "attribution.txt").unlink()
    assert main(["generate", "--changed"]) == 1
    capsys.readouterr()
    report = run_json(capsys)
    assert report["pending"] == [
        {
            "leaf_id": RIDDLES,
            "path": f"taxonomy/{RIDDLES}/qna.yaml",
            "state": "failed",
            "reason": f"taxonomy/{RIDDLES}/qna.yaml:1:1: [attribution] attribution.txt is "
            "missing next to this leaf",
        }
    ]


def test_answers_and_new_calls_agree_with_what_generate_reported(
    project: Path, in_process, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    git(project, "checkout", "-q", "-b", "work")
    assert main(["generate", f"taxonomy/{RIDDLES}"]) == 0
    first = capsys.readouterr().out
    calls = int(re.search(r"teacher: ([\d,]+) calls? \(\+0 answered", first).group(1))
    report = run_json(capsys)
    (leaf,) = report["leaves"]
    assert leaf["new_calls"] == report["summary"]["new_calls"] == calls
    assert leaf["usage"]["new"]["answers"] == calls
    # Regenerated from the cache: the same answers, and no new call.
    assert main(["generate", "--force", f"taxonomy/{RIDDLES}"]) == 0
    assert f"teacher: 0 calls (+{calls:,} answered from the cache)" in capsys.readouterr().out
    assert main(["diff", "--format", "markdown"]) == 0
    markdown = capsys.readouterr().out
    assert f"| new data made from | **{calls:,} answers** (0 new teacher calls) ·" in markdown
    assert f"- made from {calls:,} answers (0 new teacher calls)," in markdown
    assert "cost: price unknown" in markdown  # the in-process teacher has no price
    # Without a run report, answers are still answers and new calls are not guessed.
    (project / ".labtax" / "run-report.json").unlink()
    capsys.readouterr()
    assert run_json(capsys)["summary"]["new_calls"] is None


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_default_format_follows_the_terminal_and_piped_text_has_no_trailing_spaces(
    branched: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert main(["diff", "--base", "main", "--head", "feature"]) == 0
    assert capsys.readouterr().out.startswith("<!-- labtax-data-diff -->")
    screen = _Terminal()
    with contextlib.redirect_stdout(screen):
        assert main(["diff", "--base", "main", "--head", "feature"]) == 0
    assert screen.getvalue().startswith("labtax data diff")
    assert main(["diff", "--format", "text", "--base", "main", "--head", "feature"]) == 0
    text = capsys.readouterr().out
    assert text.count("\n") > 10
    assert [line for line in text.splitlines() if line != line.rstrip()] == []


@pytest.mark.parametrize("option", ["--base", "--head"])
def test_a_bad_ref_is_named_with_a_hint_not_gits_message(branched: Path, capsys, option: str):
    assert main(["diff", option, "no-such-branch"]) == 1
    err = capsys.readouterr().err
    assert "error: unknown ref 'no-such-branch': no such branch, tag or commit" in err
    assert "hint: fetch it first (git fetch origin no-such-branch:no-such-branch), or pass " in err
    assert f"another ref with {option}" in err
    assert "fatal" not in err

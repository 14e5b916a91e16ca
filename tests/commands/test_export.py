"""`labtax export`: the command line, its output, its exit codes, and the path `make run` takes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import mixdata
from labtax.cli import main
from labtax.export import output
from projects import tree_bytes


def test_export_writes_the_mix_and_prints_its_summary(mix_project, capsys):
    assert main(["export", "mixes/latest"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("exported the training mix to mixes/latest/\n  knowledge train")
    files = sorted(tree_bytes(mix_project / "mixes" / "latest"))
    assert files == [
        "README.md",
        "knowledge/test.jsonl",
        "knowledge/train.jsonl",
        "recipe.yaml",
        "skills/test.jsonl",
        "skills/train.jsonl",
    ]


def test_format_parquet_and_a_recipe_file_are_taken(mix_project, capsys):
    (mix_project / "mix.yaml").write_text("system_prompt: ''\nseed: 3\n", encoding="utf-8")
    assert main(["export", "mix", "--recipe", "mix.yaml", "--format", "parquet"]) == 0
    assert (mix_project / "mix" / "skills" / "train.parquet").is_file()
    assert "seed: 3" in (mix_project / "mix" / "recipe.yaml").read_text()
    row = json.loads((mix_project / "mix" / "skills" / "train.jsonl").read_text().splitlines()[0])
    assert row["messages"][0]["role"] == "user"  # the recipe asked for no system prompt
    capsys.readouterr()


def test_errors_are_located_and_exit_1(mix_project, capsys):
    (mix_project / "bad.yaml").write_text("seed: 1\ntest_fraction: 2\n", encoding="utf-8")
    assert main(["export", "mix", "--recipe", "bad.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.startswith('bad.yaml:2:1: error: recipe key "test_fraction" must be a number')
    leaf = mix_project / "taxonomy" / mixdata.FREEFORM / "qna.yaml"
    leaf.write_text(leaf.read_text().replace("short explanation", "long explanation"))
    assert main(["export", "mix"]) == 1
    err = capsys.readouterr().err
    assert f"{mixdata.FREEFORM} (stale)" in err
    assert "hint: run `labtax generate` first, or pass --allow-stale" in err
    assert main(["export", "mix", "--allow-stale"]) == 0
    assert "not up to date (--allow-stale)" in capsys.readouterr().out
    assert main(["export", "mix", "--format", "csv"]) == 2


def test_the_command_runs_as_a_program_without_importing_the_teacher_stack(mix_project):
    code = (
        "import sys\nfrom labtax.cli import main\nrc = main(['export', 'mix'])\n"
        "assert 'litellm' not in sys.modules, 'litellm imported'\n"
        "assert 'datasets' not in sys.modules, 'datasets imported without replay'\n"
        "sys.exit(rc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=mix_project, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "exported the training mix to mix/" in done.stdout


def test_no_taxonomy_is_an_error_like_validate(mix_project, tmp_path, capsys):
    missing = tmp_path / "nonexist"
    assert main(["export", str(tmp_path / "x1"), "--taxonomy", str(missing)]) == 1
    err = capsys.readouterr().err
    assert f"error: no taxonomy at {missing}" in err
    assert not (tmp_path / "x1").exists()


def test_sigterm_ends_the_export_as_ctrl_c_does(mix_project, monkeypatch, capsys):
    assert main(["export", "mix"]) == 0
    before = tree_bytes(mix_project / "mix")

    def terminated(built, out):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler interrupts this
        raise AssertionError("SIGTERM was not handled")

    monkeypatch.setattr(output, "replace", terminated)
    handler = signal.getsignal(signal.SIGTERM)
    assert main(["export", "mix"]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert tree_bytes(mix_project / "mix") == before  # the previous mix, as it was
    assert [p.name for p in mix_project.iterdir() if p.name.startswith(".mix.")] == []
    assert signal.getsignal(signal.SIGTERM) is handler

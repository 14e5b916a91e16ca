"""Command-level behaviour of `labtax validate` that no corpus case covers."""

from __future__ import annotations

from labtax.cli import main


def test_a_missing_taxonomy_is_an_error_not_an_empty_pass(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert "no taxonomy at" in err
    assert "--taxonomy" in err

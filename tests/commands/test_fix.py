"""`labtax fix`: mechanical repairs in place, every other byte untouched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

LEAVES = Path(__file__).resolve().parents[1] / "leaves"
LEAF = "taxonomy/compositional_skills/writing/poetry/haiku"


def _case(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(LEAVES / "bad" / name, target, symlinks=True)
    (target / "expected.txt").unlink()
    return target


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("hygiene_crlf", "converted 29 CRLF line endings to LF"),
        ("hygiene_trailing_spaces", "removed trailing whitespace on 2 lines"),
        ("hygiene_no_final_newline", "added the final newline"),
        ("hygiene_tab_indentation", "replaced tab indentation on 1 line"),
    ],
)
def test_fix_repairs_and_validate_then_passes(name: str, said: str, tmp_path: Path, invoke) -> None:
    case = _case(name, tmp_path)
    assert invoke("validate", cwd=case).code == 1
    run = invoke("fix", cwd=case)
    assert run.code == 0
    assert f"{LEAF}/qna.yaml: {said}" in run.out
    assert run.out.endswith("fixed 1 file\n")
    after = invoke("validate", cwd=case)
    assert (after.code, after.out) == (0, "0 errors, 0 warnings in 0 of 1 file\n")
    again = invoke("fix", cwd=case)
    assert again.out == "fixed 0 files\n"
    assert [p.name for p in (case / LEAF).iterdir() if p.name.startswith(".")] == []


def test_unfixable_tabs_are_reported_and_left(haiku_project: Path, invoke) -> None:
    leaf = haiku_project / LEAF / "qna.yaml"
    broken = "a: [\n\t\tb: : :\n"
    leaf.write_text(broken)
    run = invoke("fix", cwd=haiku_project)
    assert run.code == 1
    assert "left tab indentation on 1 line" in run.out
    assert leaf.read_text() == broken


def test_bom_and_file_mode_are_kept(haiku_project: Path, invoke) -> None:
    leaf = haiku_project / LEAF / "qna.yaml"
    leaf.write_bytes(b"\xef\xbb\xbf" + leaf.read_bytes().rstrip(b"\n"))
    leaf.chmod(0o640)
    assert invoke("fix", cwd=haiku_project).code == 0
    raw = leaf.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(
        b"lighthouse.\n    answer: One eye on the sea, it counts the ships through the fog.\n"
    )
    assert leaf.stat().st_mode & 0o777 == 0o640


def test_unreadable_files_are_not_touched(haiku_project: Path, invoke) -> None:
    leaf = haiku_project / LEAF / "qna.yaml"
    leaf.write_bytes(b"a: \xff  \n")
    run = invoke("fix", cwd=haiku_project)
    assert run.code == 1
    assert "not fixed: not valid UTF-8" in run.err
    assert leaf.read_bytes() == b"a: \xff  \n"


def test_fix_of_a_path_argument_only(haiku_project: Path, invoke) -> None:
    other = haiku_project / "taxonomy/compositional_skills/writing/other/qna.yaml"
    other.parent.mkdir(parents=True)
    other.write_text("a: 1  \n")
    leaf = haiku_project / LEAF / "qna.yaml"
    leaf.write_text(leaf.read_text() + "# note  \n")
    run = invoke("fix", LEAF, cwd=haiku_project)
    assert run.code == 0
    assert other.read_text() == "a: 1  \n"
    assert leaf.read_text().endswith("# note\n")


def test_symlinked_leaves_are_not_rewritten(haiku_project: Path, invoke) -> None:
    real = haiku_project / "shared.yaml"
    leaf = haiku_project / LEAF / "qna.yaml"
    real.write_text(leaf.read_text() + "# note  \n")
    leaf.unlink()
    leaf.symlink_to(real)
    run = invoke("fix", cwd=haiku_project)
    assert run.code == 1
    assert "not fixed: a symlink" in run.err
    assert leaf.is_symlink()
    assert real.read_text().endswith("# note  \n")


def test_a_missing_path_is_a_usage_error(haiku_project: Path, invoke) -> None:
    run = invoke("fix", "no/such/leaf", cwd=haiku_project)
    assert run.code == 2
    assert "no such file or directory: no/such/leaf" in run.err


def test_fix_never_changes_an_answer_and_validate_calls_its_whitespace_text(
    haiku_project: Path, invoke
) -> None:
    leaf = haiku_project / LEAF / "qna.yaml"
    code = "answer: |\n      for x in xs:\n      \tprint(x)  \n"
    text = leaf.read_text().replace(
        "answer: Steam curls from the spout, a small storm in porcelain.\n", code
    )
    assert text != leaf.read_text()
    leaf.write_text(text + "created_by: again\n")  # a duplicate key: the leaf does not load
    run = invoke("fix", cwd=haiku_project)
    assert run.code == 1
    assert leaf.read_text() == text + "created_by: again\n"
    assert "left trailing whitespace on 1 line inside block scalars" in run.out
    run = invoke("validate", cwd=haiku_project)
    assert "[yaml-tab]" not in run.out
    assert "[yaml-trailing-space] trailing whitespace inside a block scalar" in run.out


def test_a_leaf_too_deep_to_load_is_reported_and_left_without_the_slow_reader(
    haiku_project: Path, invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    def slow(*args: object, **kwargs: object) -> None:
        raise AssertionError("the Python reader was tried")

    monkeypatch.setattr(yaml, "SafeLoader", slow)
    leaf = haiku_project / LEAF / "qna.yaml"
    deep = "[" * 5000 + "]" * 5000
    text = leaf.read_text().replace("Write a haiku about a teapot.", deep)
    text += "    note: |\n      boats find the harbor   \n"
    leaf.write_text(text)
    run = invoke("validate", cwd=haiku_project)
    assert (run.code, "[yaml-depth]" in run.out) == (1, True)
    run = invoke("fix", cwd=haiku_project)
    assert run.code == 1
    assert f"{LEAF}/qna.yaml: left unchanged: it does not load as YAML" in run.out
    assert leaf.read_text() == text

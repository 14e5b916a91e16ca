"""Mechanical repairs of leaf text: only the broken bytes change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from labtax import blockscalars, fixer, yamldoc


def test_fix_changes_only_the_broken_bytes() -> None:
    text = "a: 1  \r\nb: |\r\n  keep\tthis tab\r\n  \tand this one\r\nc: 'x'\t"
    fixed, fix = fixer.fix_text(text)
    assert fixed == "a: 1\nb: |\n  keep\tthis tab\n  \tand this one\nc: 'x'\n"
    assert (fix.crlf, fix.trailing, fix.final_newline, fix.tabs) == (4, 2, True, 0)


def test_tabs_in_a_file_that_parses_are_text_and_stay() -> None:
    text = "a: |\n  \tcode\n"
    assert fixer.fix_text(text) == (text, fixer.Fix())


def test_tab_indentation_is_replaced_with_a_width_that_parses() -> None:
    text = "a:\n\tb: 1\n\tc:\n\t\t- 2\n"
    fixed, fix = fixer.fix_text(text)
    assert fixed == "a:\n  b: 1\n  c:\n    - 2\n"
    assert fix.tabs == 3
    assert yamldoc.parse(fixed).data == {"a": {"b": 1, "c": [2]}}


def test_a_tab_indentation_no_width_can_repair_is_left_and_counted() -> None:
    text = "a: [\n\t\tb: : :\n"
    fixed, fix = fixer.fix_text(text)
    assert fixed == text
    assert (fix.tabs, fix.tabs_unfixable, fix.changed) == (0, 1, False)
    assert fix.describe() == ["left tab indentation on 1 line: fix it by hand"]


def test_describe_says_what_changed_in_order() -> None:
    fix = fixer.Fix(crlf=2, trailing=1, final_newline=True, tabs=3)
    assert fix.changed
    assert fix.describe() == [
        "converted 2 CRLF line endings to LF",
        "removed trailing whitespace on 1 line",
        "added the final newline",
        "replaced tab indentation on 3 lines",
    ]
    assert fixer.Fix().describe() == []
    assert not fixer.Fix().changed


def test_fix_file_keeps_a_bom_and_leaves_clean_files_untouched(tmp_path: Path) -> None:
    dirty = tmp_path / "dirty.yaml"
    dirty.write_bytes(b"\xef\xbb\xbfa: 1  \r\n")
    assert fixer.fix_file(dirty).changed
    assert dirty.read_bytes() == b"\xef\xbb\xbfa: 1\n"
    clean = tmp_path / "clean.yaml"
    clean.write_bytes(b"a: 1\n")
    os.utime(clean, (1_000_000, 1_000_000))
    assert fixer.fix_file(clean) == fixer.Fix()
    assert clean.stat().st_mtime == 1_000_000  # not rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.yaml", "dirty.yaml"]  # no temps


# A leaf whose answer holds code: its tab and its trailing spaces are part of the answer.
CODE_ANSWER = (
    "version: 3\n"
    "task_description: Explain code.\n"
    "seed_examples:\n"
    "  - question: Show a loop.\n"
    "    answer: |\n"
    "      for x in xs:\n"
    "      \tprint(x)  \n"
)


def test_a_tab_inside_a_block_scalar_is_kept_when_other_lines_need_their_tabs_replaced() -> None:
    broken = CODE_ANSWER + "document:\n\trepo: x\n"
    fixed, fix = fixer.fix_text(broken)
    assert fixed == CODE_ANSWER + "document:\n  repo: x\n"
    assert fix.tabs == 1
    assert yamldoc.parse(fixed).data["seed_examples"][0]["answer"] == "for x in xs:\n\tprint(x)  \n"


def test_trailing_whitespace_that_is_part_of_an_answer_is_left_and_reported() -> None:
    fixed, fix = fixer.fix_text(CODE_ANSWER.replace("version: 3", "version: 3  "))
    assert fixed == CODE_ANSWER
    assert (fix.trailing, fix.trailing_kept, fix.left_alone) == (1, 1, True)
    assert fix.describe()[-1].startswith("left trailing whitespace on 1 line inside block scalars")


def test_the_final_newline_after_a_last_block_scalar_keeps_its_text() -> None:
    text = "a: 1\nb: |\n  text"
    fixed, fix = fixer.fix_text(text)
    assert fixed == "a: 1\nb: |-\n  text\n"
    assert (fix.final_newline, fix.chomping) == (True, True)
    assert yamldoc.parse(fixed).data == yamldoc.parse(text).data
    kept = "a: |+\n  text"
    assert fixer.fix_text(kept)[0] == kept
    assert fixer.fix_text(kept)[1].final_newline_kept


def test_a_cr_before_crlf_is_a_line_ending_of_its_own() -> None:
    # Converting only the CRLF of `\r\r\n` would leave a new CRLF for the next run.
    fixed, fix = fixer.fix_text("a: 1\r\r\nb: 2\r\n")
    assert fixed == "a: 1\n\nb: 2\n"
    assert (fix.crlf, fix.cr) == (2, 1)
    assert fix.describe() == [
        "converted 2 CRLF line endings to LF",
        "converted 1 lone CR line ending to LF",
    ]
    # So is a CR that removing spaces would bring next to an LF.
    assert fixer.fix_text("a: 1\r \nb: 2\n")[0] == "a: 1\n\nb: 2\n"


def test_a_file_too_deep_to_load_is_left_alone() -> None:
    deep = "q: " + "[" * 5000 + "]" * 5000 + " \t\r\nb: |\n  x  \n"
    fixed, fix = fixer.fix_text(deep)
    assert fixed == deep
    assert (fix.unloadable, fix.changed, fix.left_alone) == (True, False, True)
    assert fix.describe() == [
        "left unchanged: it does not load as YAML (see `labtax validate`), "
        "so no repair can be checked"
    ]


def test_once_a_repair_makes_the_file_parse_its_whitespace_is_told_apart_exactly() -> None:
    # Unparsed, the blank answer line counts as text; once the tab is replaced the file parses
    # and it is indentation only, which a second run would otherwise remove.
    text = "a:\n  c: |\n    x\n    \n    y  \n\tb: 1\n"
    fixed, fix = fixer.fix_text(text)
    assert fixed == "a:\n  c: |\n    x\n\n    y  \n  b: 1\n"
    assert (fix.tabs, fix.trailing, fix.trailing_kept) == (1, 1, 1)
    assert fixer.fix_text(fixed) == (fixed, fixer.Fix(trailing_kept=1))


def _seeds(count: int) -> str:
    out = ["version: 3", "created_by: x", "task_description: t", "seed_examples:"]
    for i in range(count):
        out += [f"  - question: q{i} ", "    answer: |", f"      line {i} ", " " * 6]
        out.append(f"      more {i}\t")
    return "\n".join(out)


def test_fix_reads_a_file_a_constant_number_of_times(monkeypatch: pytest.MonkeyPatch) -> None:
    reads = []
    real = blockscalars._read

    def counting(read: object, text: str) -> object:
        reads.append(read)
        return real(read, text)  # type: ignore[arg-type]

    monkeypatch.setattr(blockscalars, "_read", counting)
    counts = []
    for count in (1, 10, 300):
        reads.clear()
        _, fix = fixer.fix_text(_seeds(count))
        assert (fix.trailing, fix.trailing_kept, fix.final_newline) == (2 * count, 2 * count, True)
        counts.append(len(reads))
    assert counts[0] == counts[1] == counts[2]


REPO = Path(__file__).resolve().parents[1]
COMPAT = REPO / ".." / "shared" / "compat" / "instructlab"


def _data(text: str) -> object:
    return yamldoc.parse(text).data


def _parses(path: Path) -> bool:
    try:
        _data(path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
    except (UnicodeDecodeError, yamldoc.LoadProblem):
        return False
    return True


def _decodes(path: Path) -> bool:
    try:
        path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _corpus_yaml() -> list[Path]:
    """Every YAML file of the test corpora (regular files, not symlinks), sorted."""
    return sorted(
        path
        for top in (REPO / "tests" / "leaves", COMPAT)
        if top.is_dir()
        for path in top.rglob("*")
        if path.suffix.lower() in {".yaml", ".yml"} and path.is_file() and not path.is_symlink()
    )


# The ones that parse (the property is about what a file means).
CORPUS = [path for path in _corpus_yaml() if _parses(path)]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: "/".join(p.parts[-5:]))
def test_fix_never_changes_what_a_corpus_file_means(path: Path) -> None:
    text = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    before = _data(text)
    fixed, _ = fixer.fix_text(text)
    assert _data(fixed) == before
    # And with every mechanical problem fix repairs added on top of the file's own.
    damaged = text.replace("\n", "  \r\n").rstrip("\r\n")
    fixed, _ = fixer.fix_text(damaged)
    assert _data(fixed) == _data(damaged)


# Every one that decodes, parsing or not (the property is about bytes).
ALL_YAML = [path for path in _corpus_yaml() if _decodes(path)]

HOSTILE = {
    "trailing_in_blocks": _seeds(50),
    "cr_crlf": "a: 1\r\r\nb: |\r\n  x \r\r\n  y\r\n",
    "lone_cr_and_spaces": "a: 1\r \nb: 2 \r\t\nc: |\n  x\r  \n",
    "deep_flow": "q: " + "[" * 5000 + "]" * 5000 + "\na: |\n  x   \n",
    "deep_flow_broken": "q: " + "[" * 300 + "\n\tb: 1  \n",
    "tab_in_blank_line": "a:\n  c: |\n    x\n    \n    y\n      \t\n\tb: 1 \n",
    "tabs_everywhere": "a:\n\tb: |\n\t\tx\t\n\t\n\tc: 1\t",
    "last_clipped_block": "a: |\n  x  \n  ",
    "kept_block_at_the_end": "a: |+\n  x\n  \n   ",
}


def _damaged(text: str) -> list[str]:
    """`text` and the same with the mechanical problems fix repairs added."""
    return [
        text,
        text.replace("\n", "  \r\n").rstrip("\r\n"),
        text.replace("\n  ", "\n\t"),
        text.replace("\n", "\r\r\n"),
        text.replace("\n", " \r \n"),
    ]


def _assert_idempotent(text: str) -> None:
    for damaged in _damaged(text):
        fixed, _ = fixer.fix_text(damaged)
        again, fix = fixer.fix_text(fixed)
        assert again == fixed
        assert not fix.changed


@pytest.mark.parametrize("path", ALL_YAML, ids=lambda p: "/".join(p.parts[-5:]))
def test_fixing_a_corpus_file_twice_changes_nothing_more(path: Path) -> None:
    _assert_idempotent(path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8"))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_fixing_a_hostile_file_twice_changes_nothing_more(name: str) -> None:
    _assert_idempotent(HOSTILE[name])

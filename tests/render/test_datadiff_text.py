"""A data diff for the terminal: a summary table, then each touched leaf with sample changes."""

from __future__ import annotations

from pathlib import Path

import datafiles
from labtax import datadiff
from labtax.dataset import store
from labtax.render import datadiff_text

PAIRS = [("What is 2+2?", "4"), ("Capital of France?", "Paris"), ("Largest planet?", "Jupiter")]


def diff_of(
    tmp_path: Path, new_pairs: list[tuple[str, str]], base: str = "old"
) -> datadiff.DataDiff:
    datafiles.write_leaf(tmp_path / "old", "knowledge/a", PAIRS, rejected=[("q", "a", "low_score")])
    datafiles.write_leaf(tmp_path / "new", "knowledge/a", new_pairs, model="openai/other-teacher")
    return datadiff.diff_datasets(
        store.load_directory(tmp_path / "old"),
        store.load_directory(tmp_path / "new"),
        base=base,
        head="new",
    )


def test_summary_totals_and_a_changed_leaf(tmp_path: Path) -> None:
    new = [PAIRS[0], ("Capital of France?", "Paris, on the Seine"), ("Smallest planet?", "Mercury")]
    out = datadiff_text.render(diff_of(tmp_path, new), width=120)
    assert "labtax data diff" in out
    assert "leaves touched: 1 (1 changed)" in out
    assert "samples: +1 added, -1 removed, ~1 changed" in out
    assert "CHANGED   knowledge/a  +1 -1 ~1" in out
    assert "teacher model changed: openai/labtax-fake-teacher → openai/other-teacher" in out
    assert "rejected by reason: low_score 1→0" in out
    assert "before: Paris" in out
    assert "after: Paris, on the Seine" in out
    assert "answer: Mercury" in out
    assert "\x1b" not in out


def test_a_commit_is_shown_by_its_short_sha(tmp_path: Path) -> None:
    out = datadiff_text.render(diff_of(tmp_path, PAIRS[:1], base="0123456789" * 4), width=120)
    assert "012345678901" in out
    assert "0123456789" * 4 not in out


def test_untrusted_text_neither_styles_nor_escapes_the_screen(tmp_path: Path) -> None:
    new = [*PAIRS[:2], ("Largest planet?", "[bold red]Saturn[/] \x1b[2J\u202e")]
    plain = datadiff_text.render(diff_of(tmp_path, new), width=120)
    assert "[bold red]Saturn[/]" in plain
    assert "\\u001b[2J\\u202e" in plain
    coloured = datadiff_text.render(diff_of(tmp_path / "again", new), color=True, width=120)
    assert "\x1b[2J" not in coloured
    assert "\x1b[" in coloured  # the renderer's own colours


def test_samples_beyond_the_limit_are_counted_not_shown(tmp_path: Path) -> None:
    new = [(f"New question {n}?", f"Answer {n}.") for n in range(5)]
    out = datadiff_text.render(diff_of(tmp_path, new), samples=1, width=120)
    assert out.count("answer: ") == 2  # one added, one removed
    assert "… 6 more sample changes" in out


def test_nothing_changed(tmp_path: Path) -> None:
    for side in ("old", "new"):
        datafiles.write_leaf(tmp_path / side, "knowledge/a", PAIRS)
    same = datadiff.diff_datasets(
        store.load_directory(tmp_path / "old"), store.load_directory(tmp_path / "new")
    )
    out = datadiff_text.render(same, width=100)
    assert out.rstrip().endswith("No generated data changed.")
    assert "knowledge/a" not in out


def test_a_sample_shows_its_form_and_its_context_once(tmp_path: Path) -> None:
    email = "From: Ann. Please send the report by Friday."
    leaf = "compositional_skills/grounded/action_items"
    datafiles.write_leaf(
        tmp_path / "new", leaf, [("List the action items.", "- Send")], context=email
    )
    datafiles.write_leaf(tmp_path / "new", "compositional_skills/poems", [("A haiku?", "Rain.")])
    datafiles.write_leaf(tmp_path / "new", "knowledge/a", PAIRS[:1])
    diff = datadiff.diff_datasets({}, store.load_directory(tmp_path / "new"))
    out = datadiff_text.render(diff, width=200)
    assert out.count(email) == 1
    assert "grounded\n    context: " + email + "\n    question: List the action items." in out
    assert "instruction\n    question: A haiku?" in out  # no context to show
    assert f"knowledge_qa\n    context (chunk 0 of {datafiles.DOCUMENT}): " in out


def test_pending_leaves_and_no_trailing_spaces_without_colour(tmp_path: Path) -> None:
    from labtax.pending import PendingLeaf, annotate

    pending = [PendingLeaf("knowledge/a", "t/knowledge/a/qna.yaml", "stale", "older\x1b[31m")]
    diff = annotate(diff_of(tmp_path, PAIRS), new_calls={}, pending=pending)
    out = datadiff_text.render(diff, width=100)
    assert "1 changed leaf has no up-to-date data:" in out
    assert "  STALE    knowledge/a\n    older\\u001b[31m\n" in out
    assert all(line == line.rstrip() for line in out.splitlines())

"""`labtax changed` output: aligned text lines, a one-line summary, and JSON records."""

from __future__ import annotations

import json

from labtax.changes import Change, ChangeSet, Ignored
from labtax.render import changes

SHA = "a" * 40
RENAMED = Change(
    "taxonomy/knowledge/b/qna.yaml",
    "knowledge/b",
    "renamed",
    ("metadata",),
    "taxonomy/knowledge/a/qna.yaml",
    "knowledge/a",
    97,
)
EDITED = Change("taxonomy/knowledge/c/qna.yaml", "knowledge/c", "modified", ("document", "inputs"))
GONE = Change("taxonomy/knowledge/d/qna.yaml", "knowledge/d", "deleted", ("inputs",))
STRAY = Ignored(
    "taxonomy/knowledge/e/qna.yml", "not a leaf: taxonomy leaves must be named qna.yaml"
)
RESULT = ChangeSet("main", SHA, (RENAMED, EDITED, GONE), (STRAY,), "b" * 40)


def test_text_is_one_aligned_line_per_change_then_the_ignored_files() -> None:
    assert changes.text(RESULT).splitlines() == [
        "renamed   taxonomy/knowledge/b/qna.yaml <- taxonomy/knowledge/a/qna.yaml (97%)"
        "  (metadata)",
        "modified  taxonomy/knowledge/c/qna.yaml  (document, inputs)",
        "deleted   taxonomy/knowledge/d/qna.yaml  (inputs)",
        "ignored   taxonomy/knowledge/e/qna.yml  "
        "(not a leaf: taxonomy leaves must be named qna.yaml)",
    ]
    assert changes.text(ChangeSet("main", SHA, ())) == ""


def test_a_rename_without_a_similarity_shows_none() -> None:
    bare = Change("t/b/qna.yaml", "b", "renamed", ("inputs",), "t/a/qna.yaml", "a", None)
    assert changes.text(ChangeSet("main", SHA, (bare,))) == (
        "renamed   t/b/qna.yaml <- t/a/qna.yaml  (inputs)\n"
    )


def test_summary_counts_leaves_and_names_the_short_merge_base() -> None:
    assert changes.summary(RESULT) == (
        "3 changed leaves against main (merge base aaaaaaaaaaaa), 1 ignored"
    )
    one = ChangeSet("origin/main", SHA, (EDITED,))
    assert changes.summary(one) == "1 changed leaf against origin/main (merge base aaaaaaaaaaaa)"


def test_json_records_every_field_and_whether_the_teacher_must_run() -> None:
    document = json.loads(changes.json_text(RESULT))
    assert (document["base"], document["merge_base"], document["head"]) == ("main", SHA, "b" * 40)
    assert document["changes"][0] == {
        "path": "taxonomy/knowledge/b/qna.yaml",
        "leaf_id": "knowledge/b",
        "status": "renamed",
        "reasons": ["metadata"],
        "old_path": "taxonomy/knowledge/a/qna.yaml",
        "old_leaf_id": "knowledge/a",
        "similarity": 97,
        "needs_generation": False,
    }
    assert [c["needs_generation"] for c in document["changes"]] == [False, True, False]
    assert document["ignored"] == [{"path": STRAY.path, "reason": STRAY.reason}]


def test_json_keeps_non_ascii_paths_readable_and_ends_with_a_newline() -> None:
    odd = Change("taxonomy/knowledge/日本語/qna.yaml", "knowledge/日本語", "added", ("inputs",))
    text = changes.json_text(ChangeSet("main", SHA, (odd,)))
    assert "日本語" in text
    assert text.endswith("}\n")

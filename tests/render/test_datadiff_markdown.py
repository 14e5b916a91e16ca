"""The pull-request markdown under attack: an injection corpus and the size cap."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import datafiles
from labtax import datadiff
from labtax.dataset import store
from labtax.render import datadiff_markdown

ONE_MB = "B" * 1_000_000
CORPUS = {
    "script": "<script>alert(document.cookie)</script>",
    "img": '<img src=x onerror="alert(1)"><iframe src="https://evil.example">',
    "details": "</details></summary><!-- hide the rest --><details open>",
    "everyone": "@everyone and @octocat, please merge",
    "issue": "fixes #123 and org/repo#45 and GH-7",
    "fences": "```python\nprint(1)\n```\n````\nnested\n````\n~~~\ntilde\n~~~",
    "unbalanced": "```\nnever closed <b>bold</b>",
    "autolink": "see https://evil.example/login and www.evil.example or mailto:a@b.example",
    "rtl": "safe\u202etxt.exe\u202c and \u2067isolate\u2069",
    "nul": "nul\x00byte and bell\x07 and escape \x1b[31m",
    "zero_width": "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom\u2060wj",
    "huge": "`" * 20 + ONE_MB,
}
# Outside code, none of these may appear; inside code they are harmless and shown literally.
DANGEROUS_OUTSIDE_CODE = [
    "<script",
    "<img",
    "<iframe",
    "</details></summary>",
    "<!-- hide",
    "<details open>",
    "@everyone",
    "@octocat",
    "#123",
    "://",
    "www.",
]
INVISIBLE = ["\u202e", "\u202c", "\u2067", "\u2069", "\x00", "\x07", "\x1b", "\u200b", "\u200c"]
INVISIBLE += ["\u200d", "\ufeff", "\u2060"]


def corpus_diff(tmp_path: Path, hostile_leaf: str = "knowledge/hostile") -> datadiff.DataDiff:
    old = [(f"question {name}", "old answer") for name in CORPUS]
    new = [(f"question {name}: {text}", text) for name, text in CORPUS.items()]
    new += [(f"question {name}", text) for name, text in CORPUS.items()]  # changed answers
    datafiles.write_leaf(tmp_path / "old", hostile_leaf, old)
    datafiles.write_leaf(
        tmp_path / "new",
        hostile_leaf,
        new,
        rejected=[("q", "a", "reason with `ticks` and @everyone <b>")],
        model="openai/<script>@everyone",
    )
    return datadiff.diff_datasets(
        store.load_directory(tmp_path / "old"),
        store.load_directory(tmp_path / "new"),
        base="base",
        head="head",
    )


def outside_code(markdown: str) -> str:
    """The markdown with fenced blocks, code spans and <code> elements removed."""
    kept: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        if fence is None:
            opening = re.match(r"^(`{3,})", line)
            if opening:
                fence = opening.group(1)
                continue
            kept.append(line)
        elif re.fullmatch(rf"{fence}`*", line):
            fence = None
    assert fence is None, "a fence was left open"
    text = "\n".join(kept)
    text = re.sub(r"<code>.*?</code>", "", text)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)


@pytest.mark.parametrize("max_chars", [None, 60_000, 5_000])
def test_untrusted_text_stays_in_code(tmp_path: Path, max_chars: int | None) -> None:
    diff = corpus_diff(tmp_path)
    markdown = datadiff_markdown.render(
        diff, samples=None if max_chars is None else 100, max_chars=max_chars
    )
    prose = outside_code(markdown)
    for needle in DANGEROUS_OUTSIDE_CODE:
        assert needle not in prose, needle
    for char in INVISIBLE:
        assert char not in markdown, repr(char)
    assert prose.count("<details>") == prose.count("</details>")
    assert prose.count("<summary>") == prose.count("</summary>")
    if max_chars is not None:
        assert len(markdown) <= max_chars


def test_invisible_characters_are_shown_escaped(tmp_path: Path) -> None:
    markdown = datadiff_markdown.render(corpus_diff(tmp_path), samples=None, max_chars=None)
    for escaped in ("\\u202e", "\\u0000", "\\u001b[31m", "\\u200b", "\\ufeff", "\\u2067"):
        assert escaped in markdown


def test_fences_hold_against_backtick_runs(tmp_path: Path) -> None:
    markdown = datadiff_markdown.render(corpus_diff(tmp_path), samples=None, max_chars=None)
    assert "`" * 21 + "text\n" + "`" * 20 + "B" in markdown  # the huge answer's fence
    assert "`````text\n```python\nprint(1)\n```\n````\nnested" in markdown


def test_a_one_megabyte_answer_is_truncated_and_the_cap_holds(tmp_path: Path) -> None:
    markdown = datadiff_markdown.render(corpus_diff(tmp_path), samples=100)
    assert len(markdown) <= datadiff_markdown.DEFAULT_MAX_CHARS
    assert "[truncated: " in markdown
    assert ONE_MB not in markdown
    assert markdown.startswith(datadiff_markdown.MARKER + "\n")


def test_many_leaves_are_cut_with_a_note(tmp_path: Path) -> None:
    long = "word " * 400
    for number in range(120):
        leaf = f"knowledge/leaf_{number:03d}"
        datafiles.write_leaf(
            tmp_path / "new", leaf, [(f"q{i} {long}", f"a{i} {long}") for i in range(4)]
        )
    diff = datadiff.diff_datasets({}, store.load_directory(tmp_path / "new"))
    markdown = datadiff_markdown.render(diff, max_chars=20_000, artifact_note="the artifact")
    assert len(markdown) <= 20_000
    assert "cut to fit GitHub's size limit" in markdown
    assert "See the artifact." in markdown
    assert "left out" in markdown
    full = datadiff_markdown.render(diff, samples=None, max_chars=None, field_chars=None)
    assert full.count("<details>") == 120
    assert len(full) > 20_000


def test_the_marker_leads_and_the_summary_comes_first(tmp_path: Path) -> None:
    markdown = datadiff_markdown.render(corpus_diff(tmp_path))
    lines = markdown.split("\n")
    assert lines[0] == "<!-- labtax-data-diff -->"
    assert markdown.index("| rejection rate |") < markdown.index("<details>")
    # Counted outside code: the corpus's own "</details>" is shown, as code, when sampled.
    prose = outside_code(markdown)
    assert prose.count("<details>") == prose.count("</details>")


@pytest.mark.parametrize("max_chars", [2_000, 3_000, 10_000])
def test_the_cap_holds_even_when_tiny(tmp_path: Path, max_chars: int) -> None:
    markdown = datadiff_markdown.render(corpus_diff(tmp_path), max_chars=max_chars)
    assert len(markdown) <= max_chars


def test_hostile_leaf_ids_are_neutralised(tmp_path: Path) -> None:
    diff = corpus_diff(tmp_path, hostile_leaf="knowledge/@everyone <img src=x> #9\u202e")
    markdown = datadiff_markdown.render(diff)
    summary = next(line for line in markdown.split("\n") if line.startswith("<summary>"))
    assert "@everyone" not in summary
    assert "<img" not in summary
    assert "#9" not in summary
    assert "&#64;everyone &lt;img src=x&gt; &#35;9\\u202e" in summary


def test_a_sample_shows_its_form_and_its_context_once(tmp_path: Path) -> None:
    email = "From: Ann. Please send the report by Friday."
    leaf = "compositional_skills/grounded/action_items"
    datafiles.write_leaf(
        tmp_path / "new", leaf, [("List the action items.", "- Send")], context=email
    )
    datafiles.write_leaf(tmp_path / "new", "compositional_skills/poems", [("A haiku?", "Rain.")])
    datafiles.write_leaf(tmp_path / "new", "knowledge/a", [("Q?", "A.")])
    diff = datadiff.diff_datasets({}, store.load_directory(tmp_path / "new"))
    markdown = datadiff_markdown.render(diff)
    assert markdown.count(email) == 1
    grounded = markdown.index(" · grounded · score 3")
    assert markdown.index("Context:\n\n```text\n" + email) > grounded
    poem = markdown[markdown.index(" · instruction · score 3") :]
    assert poem.index("Question:") < poem.index("</details>")
    assert "Context" not in poem[: poem.index("</details>")]
    knowledge = f"Context (chunk 0 of `{datafiles.DOCUMENT}`):"
    assert markdown.index(knowledge) > markdown.index(" · knowledge_qa · score 3")


def test_pending_leaves_are_listed_safely_and_never_cut(tmp_path: Path) -> None:
    from labtax.pending import PendingLeaf, annotate

    empty = datadiff.diff_datasets({}, {}, base="b", head="h")
    assert "No generated data changed." in datadiff_markdown.render(empty)
    hostile = CORPUS["details"] + " " + CORPUS["everyone"] + "\n" + ONE_MB
    pending = [
        PendingLeaf("knowledge/a", "taxonomy/knowledge/a/qna.yaml", "failed", hostile),
        PendingLeaf("knowledge/b", "taxonomy/knowledge/b/qna.yaml", "missing", "no data yet"),
    ]
    diff = annotate(empty, new_calls={}, pending=pending)
    text = datadiff_markdown.render(diff, max_chars=5_000)
    assert len(text) <= 5_000
    assert "No generated data changed." not in text
    assert "2 changed leaves have no up-to-date generated data" in text
    assert "- ❌ failed `knowledge/a`: `" in text
    assert "- ⚠️ missing `knowledge/b`: `no data yet`" in text
    outside = re.sub(r"`+[^`]*`+", "", text)
    for bad in ("</details></summary>", "@everyone"):
        assert bad not in outside

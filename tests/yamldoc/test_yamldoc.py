"""Parsing one YAML document into data plus the position of every value and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from labtax import yamldoc
from labtax.yamldoc import LOAD_RULES, LoadProblem, decode, parse, read_bytes

TEXT = """\
version: 3
seed_examples:
  - question: Q1
    answer: A1
  - question: Q2
    answer: |
      line one
created: 2024-01-02
"""


def problem(text: str) -> LoadProblem:
    with pytest.raises(LoadProblem) as caught:
        parse(text)
    return caught.value


def test_data_and_one_based_positions_of_values_and_keys() -> None:
    document = parse(TEXT)
    assert document.data == {
        "version": 3,
        "seed_examples": [
            {"question": "Q1", "answer": "A1"},
            {"question": "Q2", "answer": "line one\n"},
        ],
        "created": "2024-01-02",  # kept as written, so data stays JSON-safe
    }
    positions = document.positions
    assert positions.of_value(("version",)) == (1, 10)
    assert positions.of_key(("version",)) == (1, 1)
    assert positions.of_value(("seed_examples", 1, "answer")) == (6, 13)
    assert positions.of_key(("seed_examples", 1, "answer")) == (6, 5)
    assert positions.of_value(()) == (1, 1)


def test_a_missing_path_falls_back_to_its_nearest_ancestor() -> None:
    positions = parse(TEXT).positions
    assert positions.of_value(("seed_examples", 1, "context")) == (5, 5)
    assert positions.of_value(("seed_examples", 7)) == (3, 3)
    assert positions.of_key(("seed_examples", 0)) == (3, 5)  # a list item has no key
    assert positions.of_value(("nothing", "here")) == (1, 1)


@pytest.mark.parametrize(
    ("text", "rule", "where"),
    [
        ("", "yaml-not-mapping", (1, 1)),
        ("- a\n- b\n", "yaml-not-mapping", (1, 1)),
        ("just text\n", "yaml-not-mapping", (1, 1)),
        ("a: 1\nb: 2\na: 3\n", "yaml-duplicate-key", (3, 1)),
        ("a: !!python/name:os.system x\n", "yaml-tag", (1, 4)),
        ("a: !custom 1\n", "yaml-tag", (1, 4)),
        ("base: &b {x: 1}\nc:\n  <<: *b\n", "yaml-syntax", (3, 3)),
        ("? [a, b]\n: 1\n", "yaml-syntax", (1, 3)),
        ("a: [\n", "yaml-syntax", (2, 1)),
        ("a: 1\n---\nb: 2\n", "yaml-multiple-documents", (2, 1)),
    ],
)
def test_each_problem_has_a_rule_and_a_position(text: str, rule: str, where: tuple) -> None:
    found = problem(text)
    assert (found.rule, (found.line, found.col)) == (rule, where)
    assert found.hint == LOAD_RULES[rule].hint


def test_aliases_that_expand_without_bound_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 7)]
    found = problem("\n".join(lines) + "\n")
    assert found.rule == "yaml-alias-expansion"
    assert f"limit {yamldoc.MAX_EXPANDED_NODES}" in found.message
    small = parse("a: &a [1, 2]\nb: *a\nc: *a\n")
    assert small.data == {"a": [1, 2], "b": [1, 2], "c": [1, 2]}


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    deep = "a: " + "[" * (yamldoc.MAX_DEPTH + 1) + "]" * (yamldoc.MAX_DEPTH + 1) + "\n"
    assert problem(deep).rule == "yaml-depth"
    ok = "a: " + "[" * 10 + "]" * 10 + "\n"
    assert parse(ok).data["a"] == [[[[[[[[[[]]]]]]]]]]


def test_a_block_scalar_starting_with_a_tab_parses_like_instructlab() -> None:
    # libyaml rejects it; PyYAML's Python scanner, which InstructLab uses, accepts it.
    assert parse("a: |\n  \tcode\nb: 1\n").data == {"a": "\tcode\n", "b": 1}


def test_the_python_reader_is_not_tried_where_it_would_be_slow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def slow(*args: object, **kwargs: object) -> None:
        raise AssertionError("the Python reader was tried")

    monkeypatch.setattr(yamldoc.yaml, "SafeLoader", slow)
    # Too deep for libyaml: final, not a difference between the two readers.
    assert problem("a: " + "[" * 5000 + "]" * 5000 + "\n").rule == "yaml-depth"
    # A libyaml-only syntax error, but flow nesting that would make the Python reader crawl.
    deep_tab = "a: |\n  \tcode\nb: " + "[" * 200 + "]" * 200 + "\n"
    assert problem(deep_tab).rule == "yaml-syntax"


def test_flow_nesting_is_bounded_by_counting_every_bracket() -> None:
    assert yamldoc.flow_nests_deeper("a: [1, {b: [2]}]\nc: '[['\n", 2)
    assert not yamldoc.flow_nests_deeper("a: [1, {b: [2]}]\nc: '[['\n", 3)
    assert not yamldoc.flow_nests_deeper("a: ]]]][\n", 1)
    assert not yamldoc.flow_nests_deeper("a: 1\n", 0)


def test_decode_drops_a_bom_and_locates_nul_and_invalid_bytes() -> None:
    assert decode(b"\xef\xbb\xbfa: 1\n") == "a: 1\n"
    with pytest.raises(LoadProblem) as nul:
        decode(b"a: 1\nb: \xc3\xa9\x00\n")
    assert (nul.value.rule, nul.value.line, nul.value.col) == ("file-nul", 2, 5)
    with pytest.raises(LoadProblem) as bad:
        decode(b"a: 1\nbb: \xff\n")
    assert (bad.value.rule, bad.value.line, bad.value.col) == ("file-encoding", 2, 5)
    assert "0xff" in bad.value.message


def test_read_bytes_takes_regular_files_inside_the_root_within_the_limit(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    leaf = root / "qna.yaml"
    leaf.write_bytes(b"a: 1\n")
    assert read_bytes(leaf, root, 5) == b"a: 1\n"
    inside = root / "link.yaml"
    inside.symlink_to(leaf)
    assert read_bytes(inside, root, 5) == b"a: 1\n"
    for path, limit, rule, says in [
        (leaf, 4, "file-too-large", "file is 5 bytes, over the limit of 4 bytes"),
        (root, 99, "file-unreadable", "not a regular file"),
        (root / "missing.yaml", 99, "file-unreadable", "cannot read"),
    ]:
        with pytest.raises(LoadProblem) as caught:
            read_bytes(path, root, limit)
        assert caught.value.rule == rule
        assert says in caught.value.message
    outside = tmp_path / "outside.yaml"
    outside.write_bytes(b"a: 1\n")
    escaping = root / "escape.yaml"
    escaping.symlink_to(outside)
    with pytest.raises(LoadProblem, match="symlink points outside the repository"):
        read_bytes(escaping, root, 99)

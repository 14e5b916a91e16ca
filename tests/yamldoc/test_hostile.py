"""Hostile inputs that are built at test time (symlinks, directories, big files), and the CLI
process itself: one located diagnostic, exit 1, no traceback, bounded time."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labtax import yamldoc

LEAVES = Path(__file__).resolve().parents[1] / "leaves"
LEAF = "taxonomy/compositional_skills/writing/poetry/haiku"


def _only(run) -> dict[str, object]:
    records = json.loads(run.out)
    assert run.code == 1
    assert len(records) == 1, records
    assert "Traceback" not in run.err
    return records[0]


def test_symlink_pointing_outside_the_repository(
    haiku_project: Path, invoke, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text((haiku_project / LEAF / "qna.yaml").read_text())
    leaf = haiku_project / LEAF / "qna.yaml"
    leaf.unlink()
    leaf.symlink_to(outside)
    record = _only(invoke("validate", "--format", "json", cwd=haiku_project))
    assert record["rule"] == "file-unreadable"
    assert "outside the repository" in str(record["message"])
    assert (record["line"], record["col"]) == (1, 1)


def test_symlink_inside_the_repository_is_followed(haiku_project: Path, invoke) -> None:
    real = haiku_project / "shared" / "qna.yaml"
    real.parent.mkdir()
    leaf = haiku_project / LEAF / "qna.yaml"
    real.write_text(leaf.read_text())
    leaf.unlink()
    leaf.symlink_to(real)
    assert invoke("validate", cwd=haiku_project).code == 0


def test_directory_named_qna_yaml(haiku_project: Path, invoke) -> None:
    odd = haiku_project / "taxonomy/compositional_skills/writing/odd/qna.yaml"
    odd.mkdir(parents=True)
    (odd.parent / "attribution.txt").write_text("x\n")
    record = _only(invoke("validate", "--format", "json", cwd=haiku_project))
    assert record["rule"] == "file-unreadable"
    assert record["path"] == "taxonomy/compositional_skills/writing/odd/qna.yaml"


def test_file_over_the_default_size_limit(haiku_project: Path, invoke) -> None:
    leaf = haiku_project / LEAF / "qna.yaml"
    padding = "# " + "x" * 1000 + "\n"
    leaf.write_text(leaf.read_text() + padding * 1100)  # just over 1 MiB
    started = time.monotonic()
    record = _only(invoke("validate", "--format", "json", cwd=haiku_project))
    assert record["rule"] == "file-too-large"
    assert "1048576" in str(record["message"])
    assert time.monotonic() - started < 5


def test_hostile_files_in_a_real_process_exit_1_without_traceback() -> None:
    for name in ("hostile_alias_bomb", "hostile_deep_nesting", "hostile_python_tag"):
        case = LEAVES / "bad" / name
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "labtax", "validate", "--format", "json"],
            cwd=case,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1, (name, done.stderr)
        assert len(json.loads(done.stdout)) == 1
        assert "Traceback" not in done.stderr
        assert time.monotonic() - started < 10


def test_python_tag_is_never_constructed(tmp_path: Path, invoke) -> None:
    case = tmp_path / "p"
    (case / LEAF).mkdir(parents=True)
    (case / "labtax.toml").write_text("\n")
    marker = tmp_path / "constructed"
    (case / LEAF / "qna.yaml").write_text(
        f"version: !!python/object/apply:os.system ['touch {marker}']\n"
    )
    (case / LEAF / "attribution.txt").write_text("x\n")
    record = _only(invoke("validate", "--format", "json", cwd=case))
    assert record["rule"] == "yaml-tag"
    assert not marker.exists()


def test_ten_thousand_levels_of_block_nesting(haiku_project: Path, invoke) -> None:
    leaf = haiku_project / LEAF / "qna.yaml"
    leaf.write_text("a:\n  " + "- " * 10_000 + "x\n")  # block sequences, 20 KB
    record = _only(invoke("validate", "--format", "json", cwd=haiku_project))
    assert record["rule"] == "yaml-depth"
    assert int(record["col"]) > 1


def test_a_directory_named_qna_yaml_given_explicitly_is_reported(
    haiku_project: Path, invoke
) -> None:
    odd = haiku_project / "taxonomy/compositional_skills/writing/odd/qna.yaml"
    odd.mkdir(parents=True)
    (odd.parent / "attribution.txt").write_text("x\n")
    for given in (str(odd), "taxonomy/compositional_skills/writing/odd/qna.yaml"):
        record = _only(invoke("validate", "--format", "json", given, cwd=haiku_project))
        assert record["rule"] == "file-unreadable"
        assert record["path"] == "taxonomy/compositional_skills/writing/odd/qna.yaml"
    run = invoke("generate", "--dry-run", str(odd), cwd=haiku_project)
    assert run.code == 1
    assert "not a regular file" in run.err


# Every standard tag on odd values, numbers past Python's limits, deep and long structures: each
# is one located error (never exit 3, never a traceback).
HOSTILE_SCALARS = {
    "binary_bad_base64": ("version: !!binary 'not base64!!'\n", "yaml-value"),
    "binary_non_ascii": ("version: !!binary 'aGVs\u00e9bG8='\n", "yaml-value"),
    "timestamp_word": ("version: !!timestamp yesterday\n", "yaml-value"),
    "timestamp_time_only": ("version: !!timestamp '21:59:43'\n", "yaml-value"),
    "float_on_text": ("version: !!float three\n", "yaml-value"),
    "float_empty": ("version: !!float ''\n", "yaml-value"),
    "int_on_text": ("version: !!int three\n", "yaml-value"),
    "int_empty": ("version: !!int ''\n", "yaml-value"),
    "int_underscores_only": ("version: !!int 0x__\n", "yaml-value"),
    "bool_odd": ("version: !!bool maybe\n", "yaml-value"),
    "null_odd": ("version: !!null nothing\n", "yaml-value"),
    "value_tag": ("version: !!value x\n", "yaml-tag"),
    "merge_tag": ("version: !!merge x\n", "yaml-tag"),
    "merge_key": ("base: &b {a: 1}\nother:\n  <<: *b\n", "yaml-syntax"),
    "omap_tag": ("version: !!omap [a: 1]\n", "yaml-tag"),
    "pairs_tag": ("version: !!pairs [a: 1]\n", "yaml-tag"),
    "set_tag": ("version: !!set {a: null}\n", "yaml-tag"),
    "str_on_mapping": ("version: !!str {a: 1}\n", "yaml-tag"),
    "huge_integer": ("version: " + "9" * 5000 + "\n", "yaml-value"),
    "huge_integer_tagged": ("version: !!int '" + "9" * 5000 + "'\n", "yaml-value"),
    "huge_binary_integer": ("version: 0b" + "1" * 20_000 + "\n", "yaml-value"),
    "huge_hex_integer": ("version: 0x" + "f" * 20_000 + "\n", "yaml-value"),
    "sexagesimal": ("version: 1" + ":2" * 5000 + "\n", "yaml-value"),
    "sexagesimal_float": ("version: 1" + ":2" * 5000 + ".5\n", "yaml-value"),
    "huge_float": ("version: " + "9" * 5000 + ".0\n", "yaml-value"),
    "long_key_number": ("? " + "9" * 5000 + "\n: 1\n", "yaml-value"),
    "deep_flow_sequences": ("version: " + "[" * 5000 + "]" * 5000 + "\n", "yaml-depth"),
    "deep_flow_mappings": ("version: " + "{a: " * 5000 + "}" * 5000 + "\n", "yaml-depth"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_SCALARS))
def test_hostile_scalars_give_one_located_error_never_exit_3(
    haiku_project: Path, invoke, case: str
) -> None:
    text, rule = HOSTILE_SCALARS[case]
    (haiku_project / LEAF / "qna.yaml").write_text(text)
    started = time.monotonic()
    record = _only(invoke("validate", "--format", "json", cwd=haiku_project))
    assert record["rule"] == rule, record
    assert (record["line"], record["col"]) != (1, 1) or text.startswith("? ")
    assert time.monotonic() - started < 5
    run = invoke("generate", "--dry-run", LEAF, cwd=haiku_project)
    assert run.code == 1, run.err  # a located "invalid leaf" error, not an internal error
    assert "internal error" not in run.err


def _best_parse_time(text: str) -> float:
    """The least CPU time of five parses: CPU time ignores waiting for a busy machine's cores."""
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        with contextlib.suppress(yamldoc.LoadProblem):
            yamldoc.parse(text)
        best = min(best, time.process_time() - started)
    return best


# Builders of a document holding one scalar of about n characters.
SCALAR_SHAPES = {
    "plain text": lambda n: "a: " + "x" * n + "\n",
    "quoted text": lambda n: 'a: "' + "x\\n" * (n // 3) + '"\n',
    "long key": lambda n: "? " + "k" * n + "\n: 1\n",
    "decimal digits": lambda n: "a: " + "9" * n + "\n",
    "binary digits": lambda n: "a: 0b" + "1" * n + "\n",
    "sexagesimal groups": lambda n: "a: 1" + ":1" * (n // 2) + "\n",
    "sexagesimal float": lambda n: "a: 1" + ":1" * (n // 2) + ".5\n",
    "tagged integer": lambda n: "a: !!int '" + "1" * n + "'\n",
    "base64": lambda n: "a: !!binary " + "QUFB" * (n // 4) + "\n",
    "block scalar": lambda n: "a: |\n" + "  xxxxxxxxx\n" * (n // 12),
}


@pytest.mark.parametrize("shape", sorted(SCALAR_SHAPES))
def test_a_scalar_loads_in_time_linear_in_its_size(shape: str) -> None:
    make = SCALAR_SHAPES[shape]
    small = _best_parse_time(make(100_000))
    large = _best_parse_time(make(400_000))
    # Four times the size: linear is ~4x, quadratic ~16x. The floor keeps timer noise on a busy
    # machine from failing a fast parse.
    assert large <= 10 * max(small, 0.002), (shape, small, large)

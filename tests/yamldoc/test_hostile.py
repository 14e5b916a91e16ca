"""Hostile inputs that are built at test time (symlinks, directories, big files), and the CLI
process itself: one located diagnostic, exit 1, no traceback, bounded time."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

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

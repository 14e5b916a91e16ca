"""Step outputs: one `name=value` line each, appended, and nothing that could forge another line."""

from __future__ import annotations

import pytest

from labtax.ci.outputs import append_outputs, output_lines
from labtax.errors import LabtaxError

SHA = "a" * 40


def test_outputs_are_appended_after_what_earlier_commands_wrote(tmp_path):
    target = tmp_path / "github_output"
    target.write_text("earlier=1\n", encoding="utf-8")

    written = append_outputs({"number": "7", "head_sha": SHA}, {"GITHUB_OUTPUT": str(target)})

    assert written == target
    assert target.read_text(encoding="utf-8") == f"earlier=1\nnumber=7\nhead_sha={SHA}\n"


def test_outside_a_workflow_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert append_outputs({"number": "7"}, {}) is None
    assert append_outputs({"number": "7"}, {"GITHUB_OUTPUT": ""}) is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "values",
    [
        {"head_sha": f"{SHA}\nnumber=1"},
        {"head_sha": f"{SHA}\rnumber=1"},
        {"number": "7\u2028number=1"},
        {"number=1\nx": "7"},
        {"": "7"},
        {"number": "7" * 1001},
    ],
)
def test_values_that_could_break_out_of_their_line_are_refused_before_writing(tmp_path, values):
    target = tmp_path / "github_output"
    with pytest.raises(LabtaxError, match="not a plain name with a printable one-line value"):
        append_outputs(values, {"GITHUB_OUTPUT": str(target)})
    assert not target.exists()


def test_lines_keep_the_order_given():
    assert output_lines({"b": "2", "a": "1"}) == "b=2\na=1\n"


def test_an_unwritable_output_file_is_a_located_error(tmp_path):
    target = tmp_path / "missing" / "github_output"
    with pytest.raises(LabtaxError) as raised:
        append_outputs({"number": "7"}, {"GITHUB_OUTPUT": str(target)})
    assert raised.value.location is not None
    assert raised.value.location.path == str(target)
    assert "cannot append to GITHUB_OUTPUT" in raised.value.message

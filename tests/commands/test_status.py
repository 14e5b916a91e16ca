"""`labtax status`: which leaves need generation, as text or JSON, and the exit code."""

from __future__ import annotations

import json
import shutil

import sampleleaves
from labtax.cli import main


def test_status_reports_missing_stale_and_orphaned(project, in_process, capsys):
    assert main(["status"]) == 1
    assert capsys.readouterr().out.count("missing") == 4
    assert main(["generate"]) == 0
    capsys.readouterr()
    assert main(["status"]) == 0
    assert main(["status", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == {"leaves": [], "summary": {"fresh": 4}}
    # An input change makes the leaf stale; an edit of a selected document file does too.
    leaf = project / "taxonomy/compositional_skills/riddles/objects/qna.yaml"
    leaf.write_text(leaf.read_text().replace("short explanation", "long explanation"))
    (project / "documents/water/water.md").write_text(sampleleaves.WATER_DOC + "\nMore water.\n")
    # A metadata-only change does not.
    grounded = project / "taxonomy/compositional_skills/grounded/summaries/paragraph/qna.yaml"
    grounded.write_text(grounded.read_text().replace("created_by: tester", "created_by: other"))
    shutil.copytree(project / "generated/knowledge/science", project / "generated/knowledge/gone")
    assert main(["status", "--format", "json"]) == 1
    states = {item["leaf"]: item["state"] for item in json.loads(capsys.readouterr().out)["leaves"]}
    assert states == {
        "compositional_skills/riddles/objects": "stale",
        "knowledge/science/water_cycle": "stale",
        "knowledge/gone/water_cycle": "orphaned",
    }

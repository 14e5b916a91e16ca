"""`generation.prefetch`: a plan's documents fetched and checked before the keyed run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import projects
import sampleleaves
from labtax import documents, gitio
from labtax.config import load_config
from labtax.generation.plan import Selection, make_plan
from labtax.generation.prefetch import prefetch

PRESS = "knowledge/history/printing_press"


def test_prefetch_fetches_remote_documents_and_checks_local_ones(project: Path) -> None:
    config = load_config(project)
    plan = make_plan(config, Selection())
    results = asyncio.run(prefetch(config, plan))
    assert [(r.leaf_id, r.ok, r.files) for r in results] == [
        (PRESS, True, 1),
        ("knowledge/science/water_cycle", True, 1),
    ]
    leaf = next(leaf for leaf in plan.generate if leaf.leaf_id == PRESS)
    repo = leaf.data["document"]["repo"]
    commit = leaf.data["document"]["commit"]
    assert gitio.mirror_has_commit(documents.mirror_path(config, repo, commit), commit)


def test_prefetch_reports_each_failing_leaf_and_goes_on(project: Path, tmp_path: Path) -> None:
    leaf = project / "taxonomy" / PRESS / "qna.yaml"
    text = sampleleaves.knowledge_yaml(
        "history", sampleleaves.PRESS_DOC, (tmp_path / "docs-repo").as_uri(), "main"
    )
    projects.write(leaf, text)
    secrets = project / "taxonomy/knowledge/science/secrets"
    projects.write(
        secrets / "qna.yaml", sampleleaves.knowledge_yaml("x", sampleleaves.WATER_DOC, ".", "local")
    )
    projects.write(secrets / "attribution.txt", "Written for this test.\n")
    config = load_config(project)
    plan = make_plan(config, Selection())
    # A leaf `labtax validate` rejects is refused by the plan: its documents are never read.
    (refused,) = plan.refused
    assert refused.leaf_id == "knowledge/science/secrets"
    assert refused.diagnostic.rule == "document-repo"
    results = {r.leaf_id: r for r in asyncio.run(prefetch(config, plan))}
    assert "knowledge/science/secrets" not in results
    assert "is not a full commit sha" in results[PRESS].message
    assert f"taxonomy/{PRESS}/qna.yaml:" in results[PRESS].message
    assert results["knowledge/science/water_cycle"].ok
    assert not config.mirrors_dir.exists() or not any(config.mirrors_dir.iterdir())

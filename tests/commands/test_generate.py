"""`labtax generate` and `labtax status` end to end, with the fake teacher answering in-process.

The transport is the only stand-in: the CLI, planning, pipelines, the real `Teacher` (cache,
budget, concurrency), filters and dataset writing all run as in production. The HTTP path through
litellm is covered by test_generate_http.py.
"""

from __future__ import annotations

import json
import os
import shutil

import projects
import sampleleaves
from gitrepo import git
from labtax.cli import main


def _generate(*args: str) -> int:
    return main(["generate", *args])


def _manifests(root):
    return {
        p.parent.relative_to(root / "generated").as_posix(): json.loads(p.read_text())
        for p in (root / "generated").rglob("manifest.json")
    }


KNOWLEDGE_FORMS = {"knowledge_qa", "detailed_summary", "extractive_summary", "atomic_facts"}
LEAVES = {
    "compositional_skills/grounded/summaries/paragraph": "grounded_skill",
    "compositional_skills/riddles/objects": "freeform_skill",
    "knowledge/history/printing_press": "knowledge",
    "knowledge/science/water_cycle": "knowledge",
}


def _check_kept(leaf_id, record, manifest):
    """A kept record: a complete training example of its leaf's form, with its provenance."""
    assert record["leaf"] == leaf_id
    assert record["kind"] == LEAVES[leaf_id]
    user, assistant = record["messages"]
    assert (user["role"], assistant["role"]) == ("user", "assistant")
    assert assistant["content"] == record["answer"]
    assert record["provenance"]["calls"]
    assert {c["stage"] for c in record["provenance"]["calls"]} <= set(manifest["stages"])
    if LEAVES[leaf_id] == "freeform_skill":
        assert (record["form"], record["context"]) == ("instruction", "")
        assert user["content"] == record["question"]
        assert record["score"] in (2, 3)
    elif LEAVES[leaf_id] == "grounded_skill":
        assert record["form"] == "grounded"
        assert user["content"] == record["context"] + "\n\n" + record["question"]
    else:
        assert record["form"] in KNOWLEDGE_FORMS
        if record["form"] == "knowledge_qa":
            assert user["content"] == record["question"]  # closed book
        else:
            assert user["content"] == record["context"] + "\n\n" + record["question"]
        assert record["context"]
        assert record["provenance"]["document"] in {"water.md", "press.md"}
        assert record["provenance"]["chunk"] >= 0


def test_generates_every_kind_and_records_what_it_did(project, in_process, capsys):
    assert _generate() == 0
    out = capsys.readouterr().out
    assert "generated 4 of 4 leaves" in out
    manifests = _manifests(project)
    assert {k: m["kind"] for k, m in manifests.items()} == LEAVES
    for leaf_id, manifest in manifests.items():
        directory = project / "generated" / leaf_id
        kept = directory.joinpath("samples.jsonl").read_text(encoding="utf-8").splitlines()
        rejected = directory.joinpath("rejected.jsonl").read_text(encoding="utf-8").splitlines()
        counts = manifest["counts"]
        assert counts["kept"] == len(kept) > 0, leaf_id
        assert counts["rejected"] == len(rejected)
        assert counts["candidates"] == len(kept) + len(rejected)
        assert sum(counts["rejected_by_reason"].values()) == len(rejected)
        assert manifest["usage"]["calls"] > 0
        assert len(manifest["templates"]) == 12
        assert manifest["format"] == 2
        volume = manifest["volume"]
        # Skills aim for samples_per_leaf; knowledge for a quota from every chunk (2 pairs and
        # one sample of each auxiliary form).
        chunks = sum(d["chunks"] for d in manifest["documents"])
        target = 4 if LEAVES[leaf_id] != "knowledge" else chunks * (2 + 3)
        assert volume["target"] == manifest["teacher"]["samples_per_leaf"] == target
        assert volume["kept"] == len(kept)
        assert (volume["shortfall"] == "") is (volume["kept"] == target)
        assert set(manifest["stages"]) <= set(manifest["templates"])
        for line in kept:
            _check_kept(leaf_id, json.loads(line), manifest)
        for line in rejected:
            record = json.loads(line)
            assert record["stage"]
            assert record["reason"]
        if LEAVES[leaf_id] == "knowledge":
            used = manifest["documents"]
            assert [d["path"] for d in used] in (["water.md"], ["press.md"])
            assert sum(d["kept"] for d in used) == len(kept)
        else:
            assert manifest["documents"] == []
    # Knowledge samples are grounded in their own documents, the remote one at its pinned commit.
    press = (project / "generated/knowledge/history/printing_press/samples.jsonl").read_text()
    assert "Gutenberg" in press
    assert "A later edit" not in press
    water = (project / "generated/knowledge/science/water_cycle/samples.jsonl").read_text()
    assert "evaporat" in water
    assert "Gutenberg" not in water


def test_rerun_makes_no_calls_and_two_projects_agree_byte_for_byte(
    project, in_process, monkeypatch, capsys
):
    tmp_path = project.parent
    assert _generate() == 0
    first = projects.tree_bytes(project / "generated")
    sent = in_process.sent
    assert sent > 0
    assert _generate() == 0
    assert in_process.sent == sent, "a rerun with nothing changed called the teacher"
    assert "skipped: 4 up to date" in capsys.readouterr().out
    assert projects.tree_bytes(project / "generated") == first
    # --force regenerates from the cache: still no calls, same bytes.
    assert _generate("--force") == 0
    assert in_process.sent == sent
    assert projects.tree_bytes(project / "generated") == first
    # A second project with its own empty cache produces exactly the same files.
    other = projects.make_project(tmp_path / "other", tmp_path / "other-docs")
    shutil.rmtree(tmp_path / "other-docs")
    shutil.copytree(tmp_path / "docs-repo", tmp_path / "other-docs")
    monkeypatch.chdir(other)
    monkeypatch.setenv("LABTAX_CACHE_DIR", str(other / ".labtax/cache"))
    # The other project pins its own document repository; point it at an identical copy.
    leaf = other / "taxonomy/knowledge/history/printing_press/qna.yaml"
    original = (project / "taxonomy/knowledge/history/printing_press/qna.yaml").read_text()
    leaf.write_text(
        original.replace((tmp_path / "docs-repo").as_uri(), (tmp_path / "other-docs").as_uri())
    )
    assert _generate() == 0
    theirs = projects.tree_bytes(other / "generated")
    mine = projects.tree_bytes(project / "generated")
    differing = sorted(k for k in mine if mine[k] != theirs.get(k))
    # Only the leaf whose document URL differs may differ (its inputs hash names the URL).
    assert differing == ["knowledge/history/printing_press/manifest.json"]
    assert sorted(mine) == sorted(theirs)


def test_budget_stop_keeps_finished_leaves_and_a_rerun_completes(
    project, in_process, monkeypatch, capsys
):
    tmp_path = project.parent
    # An uninterrupted run over its own cache tells how many calls the whole job takes.
    monkeypatch.setenv("LABTAX_CACHE_DIR", str(tmp_path / "reference-cache"))
    assert _generate() == 0
    uninterrupted = projects.tree_bytes(project / "generated")
    total = in_process.sent
    shutil.rmtree(project / "generated")
    monkeypatch.setenv("LABTAX_CACHE_DIR", str(tmp_path / "budget-cache"))
    in_process.sent = 0
    capsys.readouterr()
    # One call short: exactly one leaf cannot finish, every other leaf must be written.
    assert _generate("--max-calls", str(total - 1)) == 1
    captured = capsys.readouterr()
    assert "stopped by the budget: call budget" in captured.err
    assert "Run again" in captured.err
    assert in_process.sent <= total - 1
    done = _manifests(project)
    assert 0 < len(done) < 4
    for leaf in done:
        assert projects.tree_bytes(project / "generated" / leaf) == {
            k.removeprefix(f"{leaf}/"): v
            for k, v in uninterrupted.items()
            if k.startswith(f"{leaf}/")
        }
    assert main(["status"]) == 1
    capsys.readouterr()
    assert _generate() == 0
    assert len(_manifests(project)) == 4
    # The resumed run ends byte-identical to the uninterrupted one.
    assert projects.tree_bytes(project / "generated") == uninterrupted


def test_changed_moves_removes_and_skips_metadata_only(project, in_process, capsys):
    assert _generate() == 0
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "data")
    before = projects.tree_bytes(project / "generated")
    sent = in_process.sent
    tax = project / "taxonomy"
    # Rename a leaf (metadata-only otherwise), delete one, change only metadata of another.
    git(
        project,
        "mv",
        "taxonomy/compositional_skills/riddles",
        "taxonomy/compositional_skills/puzzles",
    )
    git(project, "rm", "-q", "-r", "taxonomy/knowledge/science/water_cycle")
    grounded = tax / "compositional_skills/grounded/summaries/paragraph/qna.yaml"
    grounded.write_text(grounded.read_text().replace("created_by: tester", "created_by: other"))
    assert _generate("--changed", "--base", "main", "--dry-run") == 0
    plan = capsys.readouterr().out
    assert (
        "would move generated data: compositional_skills/riddles/objects"
        " -> compositional_skills/puzzles/objects"
    ) in (plan)
    assert "would remove generated data: knowledge/science/water_cycle" in plan
    assert projects.tree_bytes(project / "generated") == before  # a dry run writes nothing
    assert _generate("--changed", "--base", "main") == 0
    assert in_process.sent == sent, "moving, removing and metadata changes cost no calls"
    after = projects.tree_bytes(project / "generated")
    assert not any(k.startswith("knowledge/science") for k in after)
    assert not any(k.startswith("compositional_skills/riddles") for k in after)
    moved = [k for k in after if k.startswith("compositional_skills/puzzles/objects/")]
    assert len(moved) == 3
    assert main(["status"]) == 0
    # The moved data equals what generating the leaf at its new place produces.
    moved_bytes = {k: after[k] for k in moved}
    assert _generate("--force", "taxonomy/compositional_skills/puzzles") == 0
    regenerated = projects.tree_bytes(project / "generated")
    assert {k: regenerated[k] for k in moved} == moved_bytes


def test_full_run_drops_data_of_deleted_leaves(project, in_process):
    assert _generate() == 0
    shutil.rmtree(project / "taxonomy/knowledge/science")
    assert _generate() == 0
    assert not (project / "generated/knowledge/science").exists()
    assert (project / "generated/knowledge/history/printing_press/manifest.json").exists()


def test_shards_together_equal_one_run(project, in_process, capsys):
    assert _generate("--shard", "1/2") == 0
    assert _generate("--shard", "2/2") == 0
    sharded = projects.tree_bytes(project / "generated")
    assert len(_manifests(project)) == 4
    shutil.rmtree(project / "generated")
    assert _generate() == 0
    assert projects.tree_bytes(project / "generated") == sharded
    assert _generate("--shard", "3/2") == 2


def test_paths_select_leaves_and_unknown_paths_fail(project, in_process, capsys):
    assert _generate("taxonomy/compositional_skills/riddles") == 0
    assert list(_manifests(project)) == ["compositional_skills/riddles/objects"]
    capsys.readouterr()
    # Each path that matches no leaf is named, even when another path matches.
    assert _generate("taxonomy/compositional_skills", "taxonomy/nothing_here", "README") == 2
    assert "no leaf matches these paths: taxonomy/nothing_here, README" in capsys.readouterr().err
    assert list(_manifests(project)) == ["compositional_skills/riddles/objects"]


def test_leaves_validate_rejects_are_refused_before_any_call_and_the_others_written(
    project, in_process, capsys
):
    water = project / "taxonomy/knowledge/science/water_cycle/qna.yaml"
    water.write_text(water.read_text().replace("documents/water", "documents/absent"))
    riddles = project / "taxonomy/compositional_skills/riddles/objects/qna.yaml"
    riddles.write_text("version: 3\nseed_examples: [\n")
    assert _generate("--dry-run") == 1
    captured = capsys.readouterr()
    assert "knowledge/science/water_cycle" not in captured.out
    assert captured.err.count("refused ") == 2
    assert _generate() == 1
    captured = capsys.readouterr()
    assert "generated 2 of 2 leaves" in captured.out
    assert "refused: compositional_skills/riddles/objects, knowledge/science/water_cycle" in (
        captured.out
    )
    assert (
        "refused compositional_skills/riddles/objects: "
        "taxonomy/compositional_skills/riddles/objects/qna.yaml:3:1: [yaml-syntax] "
    ) in captured.err
    assert (
        "refused knowledge/science/water_cycle: taxonomy/knowledge/science/water_cycle/qna.yaml:"
    ) in captured.err
    assert "[document-repo]" in captured.err
    assert sorted(_manifests(project)) == [LEAVES_SORTED[0], LEAVES_SORTED[2]]
    # No call was spent on the refused leaves; fixed, they generate.
    sent = in_process.sent
    riddles.write_text(sampleleaves.freeform_yaml())
    water.write_text(water.read_text().replace("documents/absent", "documents/water"))
    assert _generate() == 0
    assert in_process.sent > sent
    assert len(_manifests(project)) == 4


LEAVES_SORTED = sorted(LEAVES)


def test_unparseable_judge_answers_are_rejections(project, monkeypatch, capsys):
    from labtax import prompts
    from labtax.cache import Answer, ResponseCache
    from labtax.commands import generate as command
    from labtax.teacher import Teacher

    class Garbled(projects.InProcessTransport):
        async def send(self, messages, attempt, params=None):
            if prompts.stage_of(messages) in {"question_judge", "faithfulness"}:
                return Answer("I think it is fine, score: high", 10, 10, None)
            return await super().send(messages, attempt, params)

    transport = Garbled()
    monkeypatch.setattr(
        command,
        "make_teacher",
        lambda config, cache_dir, budget=None: Teacher(
            config, transport, cache=ResponseCache(cache_dir), budget=budget
        ),
    )
    assert _generate() == 0
    for leaf_id, manifest in _manifests(project).items():
        counts = manifest["counts"]
        assert counts["kept"] == 0, leaf_id
        assert counts["rejected_by_reason"].get("unparseable", 0) > 0
        rejected = (project / "generated" / leaf_id / "rejected.jsonl").read_text().splitlines()
        stages = {
            json.loads(r)["stage"] for r in rejected if json.loads(r)["reason"] == "unparseable"
        }
        assert stages <= {"question_judge", "faithfulness"}
        assert all(json.loads(r)["detail"] for r in rejected)


def test_leaves_outside_the_taxonomy_are_refused(project, in_process, capsys):
    stray = project / "elsewhere/qna.yaml"
    projects.write(stray, sampleleaves.freeform_yaml())
    assert _generate("elsewhere") == 1
    assert "not a leaf of the taxonomy" in capsys.readouterr().err
    assert not (project / "generated").exists()
    assert not (project / "elsewhere/samples.jsonl").exists()


def test_renamed_and_edited_leaf_is_regenerated_at_its_new_place(project, in_process):
    assert _generate() == 0
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "data")
    sent = in_process.sent
    git(
        project,
        "mv",
        "taxonomy/compositional_skills/riddles",
        "taxonomy/compositional_skills/puzzles",
    )
    leaf = project / "taxonomy/compositional_skills/puzzles/objects/qna.yaml"
    leaf.write_text(leaf.read_text().replace("short explanation", "one-line explanation"))
    assert _generate("--changed", "--base", "main") == 0
    assert in_process.sent > sent
    assert not (project / "generated/compositional_skills/riddles").exists()
    manifest = json.loads(
        (project / "generated/compositional_skills/puzzles/objects/manifest.json").read_text()
    )
    assert manifest["leaf"] == "compositional_skills/puzzles/objects"
    assert main(["status"]) == 0


def test_a_full_disk_fails_the_leaf_not_the_run(project, in_process, monkeypatch, capsys):
    from labtax.dataset import writer

    real = writer.write_temp

    def full_for_water(directory, name, data, *, sync=True):
        if "water_cycle" in str(directory):
            raise OSError(28, "No space left on device")
        return real(directory, name, data, sync=sync)

    monkeypatch.setattr(writer, "write_temp", full_for_water)
    assert _generate() == 1
    err = capsys.readouterr().err
    assert "generated/knowledge/science/water_cycle: error: cannot write generated data" in err
    assert "No space left on device" in err
    assert sorted(_manifests(project)) == sorted(k for k in LEAVES if "water" not in k)


def test_a_pdf_pypdf_cannot_read_fails_its_leaf_not_the_run(project, in_process, capsys):
    import pdfs

    # AES needs the `cryptography` package; pypdf's DependencyError is no PyPdfError.
    aes = pdfs.aes_encrypted(pdfs.build_pdf([["Rain falls from clouds."]]))
    (project / "documents/water/aes.md").write_bytes(aes)  # a PDF, known by its content
    assert _generate() == 1
    err = capsys.readouterr().err
    assert "knowledge/science/water_cycle/qna.yaml:" in err
    assert "documents/water/aes.md" in err
    assert "pip install cryptography" in err
    assert "internal error" not in err
    assert "Traceback" not in err
    assert sorted(_manifests(project)) == sorted(k for k in LEAVES if "water" not in k)


def test_document_protocols_restrict_where_knowledge_documents_come_from(
    project, in_process, monkeypatch, capsys
):
    # CI jobs that hold the teacher key allow https only: a leaf naming a file:// repository
    # (another checkout on the runner) is refused with a located error, and nothing is fetched.
    monkeypatch.setenv("LABTAX_DOCUMENT_PROTOCOLS", "https")
    assert _generate() == 1
    err = capsys.readouterr().err
    assert "knowledge/history/printing_press/qna.yaml:" in err
    assert "file protocol" in err
    assert "allowed: https" in err
    # The local-document leaves still generate; the refused repository was never mirrored.
    assert any((project / "generated").rglob("manifest.json"))
    assert not (project / ".labtax/mirrors").exists()


def test_unknown_document_protocol_is_a_clear_error(project, monkeypatch, capsys):
    monkeypatch.setenv("LABTAX_DOCUMENT_PROTOCOLS", "https:ext")
    assert _generate() == 1
    err = capsys.readouterr().err
    assert "1 unsupported document protocol: ext" in err
    assert "Traceback" not in err


def test_paths_and_changed_together_are_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert _generate("--changed", "taxonomy") == 2
    assert "pass either PATHs or --changed, not both" in capsys.readouterr().err
    assert _generate("--max-calls", "-1") == 2
    assert _generate("--concurrency", "0") == 2


def test_flags_win_over_the_environment_which_wins_over_settings_and_the_teacher_is_shown(
    project, in_process, monkeypatch, capsys
):
    monkeypatch.setenv("LABTAX_TEACHER_MODEL", "hosted_vllm/from-env")
    monkeypatch.setenv("LABTAX_TEACHER_API_BASE", "http://env.example:8000/v1")
    assert _generate("--dry-run") == 0
    assert capsys.readouterr().err.startswith(
        "teacher: hosted_vllm/from-env at http://env.example:8000/v1\n"
    )
    secret = "https://user:hunter2@flag.example/v1?api-key=sk-123&tenant=a"  # noqa: S105
    assert _generate("--dry-run", "--model", "openai/from-flag", "--api-base", secret) == 0
    err = capsys.readouterr().err
    assert err.startswith(
        "teacher: openai/from-flag at https://flag.example/v1?api-key=***&tenant=***\n"
    )
    assert "hunter2" not in err
    assert "sk-123" not in err
    monkeypatch.delenv("LABTAX_TEACHER_MODEL")
    monkeypatch.delenv("LABTAX_TEACHER_API_BASE")
    assert _generate("--dry-run") == 0
    assert capsys.readouterr().err.startswith("teacher: none configured (no model, no API base)\n")


def test_a_run_shows_its_teacher_first_and_says_how_to_resume_after_ctrl_c(
    project, in_process, monkeypatch, capsys
):
    from labtax.commands import generate as command

    async def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "run_plan", interrupted)
    assert _generate() == 130
    err = capsys.readouterr().err
    assert err.startswith("teacher: ")
    assert "interrupted: finished leaves are written and every answer received is cached" in err
    assert "run the same command again to continue where it stopped" in err


def test_state_under_dot_labtax_ignores_itself_in_any_repository(project, in_process):
    (project / ".gitignore").unlink()
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "no ignore file")
    assert _generate() == 0
    assert (project / ".labtax" / ".gitignore").read_text() == "*\n"
    assert (project / ".labtax" / "cache").is_dir()
    untracked = git(project, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert untracked
    assert all(line.startswith("?? generated/") for line in untracked), untracked


def test_generate_for_a_taxonomy_elsewhere_writes_into_that_project(
    project, in_process, tmp_path, monkeypatch, capsys
):
    other = tmp_path / "elsewhere"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    monkeypatch.chdir(other)
    relative = os.path.relpath(project / "taxonomy", other)
    assert _generate("--taxonomy", relative, f"{relative}/compositional_skills/riddles") == 0
    assert list(_manifests(project)) == ["compositional_skills/riddles/objects"]
    assert not (other / "generated").exists()
    assert not (other / ".labtax").exists()
    capsys.readouterr()
    # Before the subcommand too; status reads that project's data.
    assert main(["--taxonomy", relative, "status"]) == 1
    assert "compositional_skills/riddles/objects" not in capsys.readouterr().out
    assert main(["--taxonomy", relative, "status", "--taxonomy", "."]) == 2


PROBE = """
import sys
from labtax.cli import main
code = main(["generate", "--dry-run"])
print("HEAVY", sorted(m for m in ("litellm", "openai", "httpx") if m in sys.modules), code,
      file=sys.stderr)
"""


def test_a_dry_run_never_loads_the_teacher_stack_unless_prices_are_asked_for(project, capsys):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=project, capture_output=True, text=True, check=False
    )
    assert "HEAVY [] 0" in done.stderr, done.stderr
    assert "cost: not estimated (add --price" in done.stdout
    assert "would generate:" in done.stdout


def test_prefetch_without_the_key_then_a_keyed_run_that_fetches_nothing(
    project, in_process, monkeypatch, capsys, tmp_path
):
    monkeypatch.delenv("LABTAX_TEACHER_API_KEY", raising=False)
    assert _generate("--prefetch-only") == 0
    out = capsys.readouterr().out
    assert "documents ready for 2 of 2 leaves (2 files)" in out
    assert in_process.sent == 0
    assert not (project / "generated").exists()
    # The keyed step: the document repository is gone, mirrors are all it may read.
    shutil.rmtree(tmp_path / "docs-repo")
    monkeypatch.setenv("LABTAX_TEACHER_API_KEY", "sk-test")
    assert _generate("--no-document-fetch") == 0
    assert sorted(_manifests(project)) == sorted(LEAVES)


def test_a_keyed_run_without_a_prefetch_fails_the_remote_leaf_and_fetches_nothing(
    project, in_process, capsys
):
    assert _generate("--no-document-fetch") == 1
    err = capsys.readouterr().err
    assert "knowledge/history/printing_press/qna.yaml:" in err
    assert "was not prefetched, and this run fetches no documents" in err
    assert "--prefetch-only" in err
    assert not list((project / ".labtax").glob("mirrors/*.git/objects/pack/*.pack"))
    assert "knowledge/history/printing_press" not in _manifests(project)


def test_prefetch_only_fails_on_a_leaf_whose_documents_cannot_be_had(project, capsys):
    leaf = project / "taxonomy/knowledge/history/printing_press/qna.yaml"
    leaf.write_text(leaf.read_text().replace("commit: ", "commit: main #"))
    assert _generate("--prefetch-only") == 1
    out = capsys.readouterr().out
    assert "documents ready for 1 of 2 leaves" in out
    assert "document.commit 'main' is not a full commit sha" in out


def test_prefetch_only_takes_no_dry_run_and_no_no_fetch(project, capsys):
    assert _generate("--prefetch-only", "--dry-run") == 2
    assert _generate("--prefetch-only", "--no-document-fetch") == 2


def test_volume_flags_win_over_the_environment_and_the_file(project, in_process, monkeypatch):
    monkeypatch.setenv("LABTAX_SAMPLES_PER_LEAF", "5")
    monkeypatch.setenv("LABTAX_SAMPLES_PER_CHUNK", "4")
    assert _generate("--samples", "3", "--samples-per-chunk", "1") == 0
    manifests = _manifests(project)
    assert manifests["compositional_skills/riddles/objects"]["volume"]["target"] == 3
    # One chunk: one pair and one sample of each auxiliary form.
    assert manifests["knowledge/science/water_cycle"]["volume"]["target"] == 1 + 3
    assert _generate("--force") == 0
    assert _manifests(project)["compositional_skills/riddles/objects"]["volume"]["target"] == 5


def test_a_leaf_whose_first_round_exceeds_its_call_bound_spends_the_bound_and_says_so(
    project, in_process, monkeypatch, capsys
):
    monkeypatch.setenv("LABTAX_MAX_CALLS_PER_LEAF", "5")
    # Not an error: the bound is a setting. The leaf is written with what passed.
    assert _generate("taxonomy/knowledge/science") == 0
    out, err = capsys.readouterr()
    volume = _manifests(project)["knowledge/science/water_cycle"]["volume"]
    assert 0 < volume["kept"] < volume["target"]
    assert "max_calls_per_leaf (5) spent" in volume["shortfall"]
    assert "1 leaf short of target" in out
    line = f"short of target: knowledge/science/water_cycle: {volume['shortfall']}"
    assert line in err
    assert "max_calls_per_leaf or max_rounds" in err
    manifest = _manifests(project)["knowledge/science/water_cycle"]
    assert manifest["usage"]["calls"] <= 5


def test_a_budget_for_one_leaf_generates_that_leaf_whole(project, in_process, monkeypatch, capsys):
    from labtax.config import load_config
    from labtax.generation.plan import Selection, make_plan

    tmp_path = project.parent
    monkeypatch.setenv("LABTAX_CACHE_DIR", str(tmp_path / "reference-cache"))
    assert _generate() == 0
    reference = projects.tree_bytes(project / "generated")
    shutil.rmtree(project / "generated")
    monkeypatch.setenv("LABTAX_CACHE_DIR", str(tmp_path / "one-leaf-cache"))
    first = make_plan(load_config(project), Selection()).generate[0]
    capsys.readouterr()
    assert _generate("--dry-run") == 0
    listing = capsys.readouterr().out
    enough = int(listing.split(f"  {first.leaf_id} (", 1)[1].split("<= ", 1)[1].split()[0])
    # Calls go leaf by leaf: the first leaf's allowance covers all its calls, and no other leaf
    # can start a call the first one would then miss.
    assert _generate("--max-calls", str(enough)) == 1
    err = capsys.readouterr().err
    assert "stopped by the budget: call budget reached" in err
    assert "which may need up to" in err
    assert "raise --max-calls" in err
    written = projects.tree_bytes(project / "generated")
    assert sorted(_manifests(project)) == [first.leaf_id]
    assert written == {k: v for k, v in reference.items() if k.startswith(f"{first.leaf_id}/")}


def test_a_cost_limit_without_a_price_is_refused_by_a_dry_run_too(project, in_process, capsys):
    for args in (["--dry-run", "--max-cost", "1"], ["--max-cost", "1"]):
        assert _generate(*args) == 1
        err = capsys.readouterr().err
        assert "--max-cost needs a price, and litellm knows none for" in err
        assert "--max-calls" in err
    assert in_process.sent == 0
    assert not (project / "generated").exists()


def test_with_no_teacher_configured_the_run_says_how_to_set_one_up_once(project, capsys):
    # No transport stand-in: the project's model is the fake teacher's name, with no server.
    assert _generate() == 1
    err = capsys.readouterr().err
    assert err.count("error: no teacher is configured") == 1
    assert "(4 leaves: " in err
    assert "LABTAX_TEACHER_API_BASE" in err
    assert "labtax fake-teacher" in err
    assert not (project / "generated").exists()


def test_a_leaf_whose_document_commit_is_missing_is_located_at_its_commit(
    project, in_process, capsys
):
    leaf = project / "taxonomy/knowledge/history/printing_press/qna.yaml"
    text = leaf.read_text()
    commit = text.split("commit: ", 1)[1].split()[0]
    leaf.write_text(text.replace(commit, "deadbeef" * 5))
    line = next(n for n, row in enumerate(leaf.read_text().splitlines(), 1) if "commit:" in row)
    assert _generate() == 1
    err = capsys.readouterr().err
    where = f"taxonomy/knowledge/history/printing_press/qna.yaml:{line}:"
    assert f"{where}" in err
    assert f"cannot fetch commit {'deadbeef' * 5}" in err
    assert "hint: document.commit is not in that repository" in err
    assert len(_manifests(project)) == 3


def test_workers_write_the_same_bytes_and_report_the_whole_run(project, in_process, capsys):
    assert _generate("--workers", "1") == 0
    one = projects.tree_bytes(project / "generated")
    first = capsys.readouterr().out
    shutil.rmtree(project / "generated")
    assert _generate("--workers", "2", "--force") == 0
    assert projects.tree_bytes(project / "generated") == one
    out = capsys.readouterr().out
    assert "generated 4 of 4 leaves" in out
    # The second run was answered from the cache by the workers; the parent counted their calls.
    assert "0 calls (+" in out
    assert first.splitlines()[0] == out.splitlines()[0]

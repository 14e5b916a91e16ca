"""Hygiene rules for every workflow file, read with ruamel.yaml (round-trip, so lines are known).

Each rule is a function returning violations; the rules run against every workflow in
`.github/workflows/`, and against small bad workflows to show each rule can fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
FILES = sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])
USES = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[^@\s]+)?@(?P<sha>[0-9a-f]{40})$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\s*$")
SECRET = re.compile(r"\$\{\{[^}]*\bsecrets\.")
TEACHER_ENVIRONMENT = "teacher"

Workflow = dict[str, Any]
Rule = Callable[[Workflow, list[str]], list[str]]


def load(text: str) -> Workflow:
    data = YAML(typ="rt").load(text)
    assert isinstance(data, dict)
    return data


def triggers(wf: Workflow) -> set[str]:
    on = wf.get("on", wf.get(True))  # YAML 1.1 readers turn `on` into True; ruamel keeps "on"
    if isinstance(on, str):
        return {on}
    return set(on or ())


def jobs(wf: Workflow) -> Iterator[tuple[str, Any]]:
    yield from (wf.get("jobs") or {}).items()


def steps(wf: Workflow) -> Iterator[tuple[str, Any]]:
    for name, job in jobs(wf):
        for step in job.get("steps") or ():
            yield name, step


def dumps(node: object) -> str:
    """Every string anywhere inside `node`, joined, for searching expressions."""
    if isinstance(node, dict):
        return "\n".join(f"{k}\n{dumps(v)}" for k, v in node.items())
    if isinstance(node, list):
        return "\n".join(dumps(v) for v in node)
    return str(node)


# ---------------------------------------------------------------------------------------------
# Rules


def top_permissions_empty(wf: Workflow, lines: list[str]) -> list[str]:
    perms = wf.get("permissions", "missing")
    return [] if perms == {} else [f"top-level permissions must be {{}}, found {perms!r}"]


def per_job_permissions(wf: Workflow, lines: list[str]) -> list[str]:
    found = []
    for name, job in jobs(wf):
        perms = job.get("permissions")
        if not isinstance(perms, dict):
            found.append(f"job {name}: needs its own permissions mapping, found {perms!r}")
            continue
        found += [
            f"job {name}: permission {scope}: {level!r} is not read/write/none"
            for scope, level in perms.items()
            if level not in {"read", "write", "none"}
        ]
    return found


def checkout_without_credentials(wf: Workflow, lines: list[str]) -> list[str]:
    found = []
    for name, step in steps(wf):
        uses = str(step.get("uses", ""))
        if uses.startswith("actions/checkout@"):
            value = (step.get("with") or {}).get("persist-credentials")
            if value is not False:
                found.append(f"job {name}: checkout without persist-credentials: false")
    return found


def actions_pinned_with_version_comment(wf: Workflow, lines: list[str]) -> list[str]:
    found = []
    targets: list[tuple[str, Any]] = [(n, s) for n, s in steps(wf)]
    targets += [(n, j) for n, j in jobs(wf) if "uses" in j]  # reusable workflows
    for name, node in targets:
        if "uses" not in node:
            continue
        uses = str(node["uses"])
        if not USES.match(uses):
            found.append(f"job {name}: {uses!r} is not pinned to a full commit sha")
            continue
        line = lines[node.lc.value("uses")[0]]
        if not VERSION_COMMENT.search(line):
            found.append(f"job {name}: {uses!r} has no '# vX.Y.Z' version comment")
    return found


def no_expressions_in_run(wf: Workflow, lines: list[str]) -> list[str]:
    """`${{ }}` is pasted into the script before the shell sees it: values go through env: only."""
    found = []
    for name, step in steps(wf):
        for key, text in (
            ("run", step.get("run")),
            ("script", (step.get("with") or {}).get("script")),
        ):
            if text is not None and "${{" in str(text):
                found.append(f"job {name}: expression inside {key}: {str(text)[:60]!r}")
    return found


def no_pull_request_target(wf: Workflow, lines: list[str]) -> list[str]:
    return (
        ["pull_request_target runs fork code with secrets"]
        if "pull_request_target" in triggers(wf)
        else []
    )


def pull_request_runs_have_no_secrets_or_writes(wf: Workflow, lines: list[str]) -> list[str]:
    if not {"pull_request", "pull_request_target"} & triggers(wf):
        return []
    found = []
    for name, job in jobs(wf):
        if SECRET.search(dumps(job)):
            found.append(f"job {name}: a pull_request workflow must not use secrets")
        if job.get("environment"):
            found.append(f"job {name}: a pull_request workflow must not use an environment")
        perms = job.get("permissions") or {}
        grants = perms.items() if isinstance(perms, dict) else [("all", str(perms))]
        writes = [s for s, lvl in grants if "write" in lvl]
        if writes:
            found.append(f"job {name}: a pull_request workflow must not grant write: {writes}")
    return found


def secrets_only_behind_the_teacher_environment(wf: Workflow, lines: list[str]) -> list[str]:
    found = []
    if SECRET.search(dumps({k: v for k, v in wf.items() if k != "jobs"})):
        found.append("secrets used at workflow level (env:, ...): move them to one step")
    for name, job in jobs(wf):
        if SECRET.search(dumps({k: v for k, v in job.items() if k != "steps"})):
            found.append(f"job {name}: secrets at job level: move them to the step that needs them")
        if SECRET.search(dumps(job)) and job.get("environment") != TEACHER_ENVIRONMENT:
            found.append(
                f"job {name}: uses secrets outside the {TEACHER_ENVIRONMENT!r} environment"
            )
    return found


def workflow_run_runs_default_branch_code(wf: Workflow, lines: list[str]) -> list[str]:
    if "workflow_run" not in triggers(wf):
        return []
    found = []
    gated = [n for n, j in jobs(wf) if j.get("environment") == TEACHER_ENVIRONMENT]
    if not gated:
        found.append(f"a workflow_run workflow needs a job in environment {TEACHER_ENVIRONMENT!r}")
    for name, job in jobs(wf):
        condition = str(job.get("if", ""))
        needs = job.get("needs") or []
        if needs or "workflow_run.conclusion == 'success'" in condition:
            continue
        if "workflow_run.conclusion == 'failure'" in condition and _only_marks(job):
            continue  # a failed run's head: its comment is marked, nothing else is done
        found.append(f"job {name}: must only run after a successful triggering run")
    for name, step in steps(wf):
        uses = str(step.get("uses", ""))
        with_ = step.get("with") or {}
        if uses.startswith("actions/checkout@") and ({"ref", "repository"} & set(with_)):
            found.append(f"job {name}: checks out something other than the default branch")
    return found


def _only_marks(job: Any) -> bool:
    """A job that only checks a failed run's request and marks the comment: no environment, no
    secret, and no labtax step but `pr check-head --failed-run` and `pr status`."""
    runs = [str(step.get("run", "")) for step in job.get("steps") or () if step.get("run")]
    labtax = [r for r in runs if r.lstrip().startswith("labtax ")]
    allowed = ("labtax pr check-head --failed-run ", "labtax pr status ")
    return (
        "environment" not in job
        and not SECRET.search(dumps(job))
        and all(r.lstrip().startswith(allowed) for r in labtax)
        and all(r.lstrip().startswith(("labtax ", "python -m pip install .")) for r in runs)
    )


def caps_on_every_run(wf: Workflow, lines: list[str]) -> list[str]:
    required = {
        "labtax generate": ("--max-calls", "--max-cost"),
        "labtax eval": ("--max-calls", "--max-cost"),
        "labtax pr extract": ("--max-leaves", "--max-bytes"),
    }
    found = []
    for name, step in steps(wf):
        run = str(step.get("run", ""))
        for command, flags in required.items():
            if command in run and PREFETCH not in run:  # a prefetch makes no teacher call
                found += [f"job {name}: {command} without {f}" for f in flags if f not in run]
    return found


def install_before_pull_request_data(wf: Workflow, lines: list[str]) -> list[str]:
    """In a job that extracts pull request files, nothing may be installed after they land."""
    found = []
    for name, job in jobs(wf):
        runs = [str(s.get("run", "")) for s in job.get("steps") or ()]
        extract = [i for i, r in enumerate(runs) if "labtax pr extract" in r]
        if extract:
            late = [r for r in runs[extract[0] :] if "pip install" in r]
            if late:
                found.append(f"job {name}: installs after extracting pull request files")
    return found


def documents_over_https_only_where_the_key_is(wf: Workflow, lines: list[str]) -> list[str]:
    """A leaf names its document repository: no labtax generate in a job of the teacher
    environment (the prefetch included) may fetch file:// paths or use the runner's ssh keys."""
    found = []
    for name, job in jobs(wf):
        if job.get("environment") != TEACHER_ENVIRONMENT:
            continue
        for step in job.get("steps") or ():
            env = step.get("env") or {}
            generates = "labtax generate" in str(step.get("run", ""))
            if generates and env.get("LABTAX_DOCUMENT_PROTOCOLS") != "https":
                found.append(
                    f"job {name}: labtax generate in the {TEACHER_ENVIRONMENT!r} environment "
                    "needs LABTAX_DOCUMENT_PROTOCOLS=https"
                )
    return found


PREFETCH = "--prefetch-only"
NO_FETCH = "--no-document-fetch"


def _selection(run: str) -> list[str]:
    """The leaves a `labtax generate` command line picks: its words minus caps and fetch flags."""
    words = run.split()
    start = words.index("generate") + 1 if "generate" in words else len(words)
    kept: list[str] = []
    skip = False
    for word in words[start:]:
        if skip:
            skip = False
        elif word in {"--max-calls", "--max-cost"}:
            skip = True
        elif word not in {PREFETCH, NO_FETCH}:
            kept.append(word)
    return kept


def keyed_generate_reads_prefetched_documents(wf: Workflow, lines: list[str]) -> list[str]:
    """The step holding the key fetches no documents: an earlier step of its job, without any
    secret, prefetched the same leaves' documents, and the keyed step passes --no-document-fetch."""
    found = []
    for name, job in jobs(wf):
        before: list[Any] = []
        for step in job.get("steps") or ():
            run = str(step.get("run", ""))
            if "labtax generate" in run and SECRET.search(dumps(step)):
                if NO_FETCH not in run:
                    found.append(f"job {name}: the keyed labtax generate lacks {NO_FETCH}")
                prefetches = [
                    str(s.get("run", ""))
                    for s in before
                    if PREFETCH in str(s.get("run", "")) and not SECRET.search(dumps(s))
                ]
                if not any(_selection(p) == _selection(run) for p in prefetches):
                    found.append(
                        f"job {name}: no keyless `labtax generate {PREFETCH}` of the same "
                        "leaves runs before the keyed step"
                    )
            before.append(step)
    return found


def caches_hold_no_git_repositories(wf: Workflow, lines: list[str]) -> list[str]:
    """The response cache is the only cached path; document mirrors (.labtax/mirrors) never are."""
    found = []
    for name, step in steps(wf):
        if str(step.get("uses", "")).startswith("actions/cache"):
            path = str((step.get("with") or {}).get("path", ""))
            if path.strip() != ".labtax/cache":
                found.append(f"job {name}: caches {path!r}, not only .labtax/cache")
        cache_dir = str((step.get("env") or {}).get("LABTAX_CACHE_DIR", "/.labtax/cache"))
        if not cache_dir.endswith("/.labtax/cache"):
            found.append(f"job {name}: LABTAX_CACHE_DIR {cache_dir!r} is not .labtax/cache")
    return found


RULES: list[Rule] = [
    top_permissions_empty,
    per_job_permissions,
    checkout_without_credentials,
    actions_pinned_with_version_comment,
    no_expressions_in_run,
    no_pull_request_target,
    pull_request_runs_have_no_secrets_or_writes,
    secrets_only_behind_the_teacher_environment,
    workflow_run_runs_default_branch_code,
    caps_on_every_run,
    install_before_pull_request_data,
    documents_over_https_only_where_the_key_is,
    keyed_generate_reads_prefetched_documents,
    caches_hold_no_git_repositories,
]


def test_the_workflows_exist():
    names = {f.name for f in FILES}
    assert {
        "validate.yml",
        "generate-request.yml",
        "generate.yml",
        "publish.yml",
        "regenerate.yml",
    } <= names


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_workflow_follows_every_rule(path: Path, rule: Rule):
    text = path.read_text(encoding="utf-8")
    assert rule(load(text), text.splitlines()) == []


# ---------------------------------------------------------------------------------------------
# Specific promises of particular workflows


def workflow(name: str) -> Workflow:
    return load((WORKFLOWS / name).read_text(encoding="utf-8"))


def test_validate_token_is_read_only():
    for _, job in jobs(workflow("validate.yml")):
        assert dict(job["permissions"]) == {"contents": "read"}


def test_stage_one_uploads_only_the_request():
    wf = workflow("generate-request.yml")
    assert triggers(wf) == {"pull_request"}
    uploads = [
        s for _, s in steps(wf) if str(s.get("uses", "")).startswith("actions/upload-artifact@")
    ]
    assert len(uploads) == 1
    assert str(uploads[0]["with"]["path"]).endswith("/labtax-request/request.json")


def test_stage_two_is_gated_and_binds_the_run_to_the_pull_request():
    wf = workflow("generate.yml")
    assert triggers(wf) == {"workflow_run"}
    assert list(wf["on"]["workflow_run"]["workflows"]) == [workflow("generate-request.yml")["name"]]
    all_runs = "\n".join(str(s.get("run", "")) for _, s in steps(wf))
    for step in (
        "labtax pr check-head",
        "labtax pr fetch",
        "labtax pr extract",
        "labtax generate --changed",
        "labtax diff",
        "labtax pr comment",
    ):
        assert step in all_runs
    generate = wf["jobs"]["generate"]
    assert generate["environment"] == TEACHER_ENVIRONMENT
    assert "pull-requests" not in wf["jobs"]["comment"].get("environment", "")
    assert dict(wf["jobs"]["comment"]["permissions"]) == {"pull-requests": "write"}
    caches = [s for s in generate["steps"] if str(s.get("uses", "")).startswith("actions/cache/")]
    assert [str(c["uses"]).split("@")[0] for c in caches] == [
        "actions/cache/restore",
        "actions/cache/save",
    ]
    assert {c["with"]["path"] for c in caches} == {".labtax/cache"}
    key_steps = [s for s in generate["steps"] if SECRET.search(dumps(s))]
    assert [s["run"].split()[:2] for s in key_steps] == [["labtax", "generate"], ["mkdir", "-p"]]
    assert "labtax eval --changed" in key_steps[1]["run"]
    assert NO_FETCH in key_steps[0]["run"]


def test_the_student_is_scored_only_when_configured_and_its_key_is_the_teacher_environments():
    generate = workflow("generate.yml")["jobs"]["generate"]
    (step,) = [s for s in generate["steps"] if "labtax eval" in str(s.get("run", ""))]
    assert "vars.LABTAX_STUDENT_MODEL != ''" in str(step["if"])
    assert step["env"]["LABTAX_STUDENT_API_KEY"] == "${{ secrets.LABTAX_STUDENT_API_KEY }}"
    assert generate["environment"] == TEACHER_ENVIRONMENT
    names = [s.get("name", "") for s in generate["steps"]]
    # Before the cache is saved (its answers are kept) and before the comment is assembled.
    assert names.index(step["name"]) < names.index("Save the teacher response cache")
    diff = next(s for s in generate["steps"] if s.get("id") == "diff")
    assert "labtax-report/student.md >> labtax-report/comment.md" in diff["run"]


def test_the_student_section_and_the_capped_diff_fit_one_comment():
    from labtax.ci.comment import MAX_COMMENT_CHARS
    from labtax.render.evaluation_markdown import MAX_CHARS

    generate = workflow("generate.yml")["jobs"]["generate"]
    diff = next(s for s in generate["steps"] if s.get("id") == "diff")
    words = diff["run"].split()
    capped = int(words[words.index("--max-chars") + 1])
    # The comment's markers, heading and a status banner take well under 1,000 characters.
    assert capped + MAX_CHARS + 1_000 <= MAX_COMMENT_CHARS


def _cache_keys(wf: Workflow) -> tuple[set[str], set[str]]:
    """The fixed prefixes (before any `${{`) of the keys a workflow saves and may restore."""
    saved: set[str] = set()
    restored: set[str] = set()
    for _, step in steps(wf):
        uses = str(step.get("uses", ""))
        with_ = step.get("with") or {}
        key = str(with_.get("key", "")).split("${{")[0]
        if uses.startswith("actions/cache/save@"):
            saved.add(key)
        if uses.startswith(("actions/cache/restore@", "actions/cache@")):
            restored.add(key)
            restored.update(
                k.strip() for k in str(with_.get("restore-keys", "")).splitlines() if k.strip()
            )
    return saved, restored


@pytest.mark.parametrize("keyed", ["publish.yml", "regenerate.yml"])
def test_a_keyed_workflow_never_restores_what_a_pull_request_run_saved(keyed: str):
    pr_saved, _ = _cache_keys(workflow("generate.yml"))
    keyed_saved, keyed_restored = _cache_keys(workflow(keyed))
    assert pr_saved == {"labtax-teacher-pr-"}
    assert keyed_saved
    assert all(k.startswith("labtax-teacher-main-") for k in keyed_saved)
    for restore in keyed_restored:
        for saved in pr_saved:
            # GitHub restores an entry whose key starts with a restore key.
            assert not saved.startswith(restore), (restore, saved)
            assert not restore.startswith(saved), (restore, saved)


def test_a_regenerate_shard_restores_its_own_earlier_cache_first():
    job = workflow("regenerate.yml")["jobs"]["generate"]
    by_name = {s.get("name"): s for s in job["steps"]}
    restore = by_name["Restore the teacher response cache"]["with"]
    save = by_name["Save the teacher response cache"]["with"]
    assert restore["key"] == save["key"]
    own, scope = [k.strip() for k in restore["restore-keys"].splitlines() if k.strip()]
    # A rerun of the shard (after a budget stop) finds the answers it was already given.
    assert "${{ matrix.shard }}" in own
    assert "${{ needs.plan.outputs.count }}" in own
    assert save["key"].startswith(own)
    assert scope == "labtax-teacher-main-"


def test_the_cache_scope_rule_catches_a_shared_prefix():
    shared = load(
        "jobs:\n  j:\n    steps:\n"
        "      - uses: actions/cache/restore@x\n        with:\n          path: .labtax/cache\n"
        "          key: labtax-teacher-main-1\n          restore-keys: labtax-teacher-\n"
    )
    _, restored = _cache_keys(shared)
    assert any("labtax-teacher-pr-".startswith(r) for r in restored)


def _job_running(wf: Workflow, command: str) -> list[tuple[str, Any, Any]]:
    return [
        (name, job, step)
        for name, job in jobs(wf)
        for step in job.get("steps") or ()
        if command in str(step.get("run", ""))
    ]


def test_stage_two_marks_the_comment_when_a_head_produces_no_data():
    wf = workflow("generate.yml")
    statuses = _job_running(wf, "labtax pr status")
    by_outcome = {
        str(step["run"]).split("--outcome")[1].split()[0]: (n, j, step) for n, j, step in statuses
    }
    assert set(by_outcome) == {"pending", "invalid", '"$OUTCOME"'}
    for name, job, step in statuses:
        assert "environment" not in job, name  # no secret needed, no approval
        assert not SECRET.search(dumps(job)), name
        assert dict(job["permissions"])["pull-requests"] == "write", name
        assert "contents" not in dict(job["permissions"]), name
        assert "--head-sha" in step["run"]
    # A head whose validation failed (stage 1 failed) is marked too, from its checked request.
    name, invalid, _ = by_outcome["invalid"]
    assert "workflow_run.conclusion == 'failure'" in str(invalid["if"])
    assert dict(invalid["permissions"]) == {"actions": "read", "pull-requests": "write"}
    checks = [str(s.get("run", "")) for s in invalid["steps"] if "check-head" in str(s.get("run"))]
    assert len(checks) == 1
    assert "--failed-run" in checks[0]
    pending = by_outcome["pending"][1]
    assert _needs(pending) == ["request"]  # before the approval gate
    name, outcome, step = by_outcome['"$OUTCOME"']
    assert "always()" in str(outcome["if"])  # failed and cancelled runs too
    assert "needs.generate.outputs.report != 'success'" in str(outcome["if"])
    assert "needs.generate.result" in str(step["env"]["OUTCOME"])
    assert "'refused'" in str(step["env"]["OUTCOME"])
    assert "steps.extract.outcome" in str(wf["jobs"]["generate"]["outputs"]["extracted"])
    comment = _job_running(wf, "labtax pr comment")
    assert len(comment) == 1
    assert '--head-sha "$HEAD_SHA"' in comment[0][2]["run"]
    # The data diff is posted after the pending mark, never before it.
    assert "pending" in _needs(comment[0][1])
    assert "pending" in _needs(outcome)


def _needs(job: Any) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else list(needs)


def test_publish_runs_on_main_and_opens_a_pull_request():
    wf = workflow("publish.yml")
    assert list(wf["on"]["push"]["branches"]) == ["main"]
    runs = "\n".join(str(s.get("run", "")) for _, s in steps(wf))
    assert "labtax generate --no-document-fetch --max-calls" in runs  # every missing or stale leaf
    assert "--force" not in runs
    assert "labtax pr publish" in runs


def test_regenerate_is_for_maintainers_shards_behind_the_teacher_and_merges_before_publishing():
    wf = workflow("regenerate.yml")
    assert triggers(wf) == {"workflow_dispatch"}
    assert set(wf["on"]["workflow_dispatch"]["inputs"]) >= {"shards", "max-calls", "max-cost"}
    plan, generate, merge = (wf["jobs"][name] for name in ("plan", "generate", "merge"))
    # The matrix is the plan job's tested output, not an expression over the raw input.
    assert "labtax pr shard-matrix" in "\n".join(str(s.get("run", "")) for s in plan["steps"])
    assert generate["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.plan.outputs.shards) }}"
    assert generate["strategy"]["fail-fast"] is False
    assert generate["environment"] == TEACHER_ENVIRONMENT
    assert dict(generate["permissions"]) == {"contents": "read"}
    runs = [str(s.get("run", "")) for s in generate["steps"]]
    shard_run = next(r for r in runs if "labtax generate" in r)
    assert '--shard "$SHARD/$SHARDS"' in shard_run
    assert any("labtax pr shard-data" in r for r in runs)
    uploads = [s for s in generate["steps"] if str(s.get("uses", "")).startswith("actions/upload")]
    assert [u["with"]["name"] for u in uploads] == ["labtax-shard-${{ matrix.shard }}"]
    # The key is used in the shard jobs only; merging and publishing need the token alone.
    for job in (plan, merge):
        assert not SECRET.search(dumps(job))
        assert "environment" not in job
    assert list(merge["needs"]) == ["plan", "generate"]
    merge_runs = [str(s.get("run", "")) for s in merge["steps"]]
    merged = next(i for i, r in enumerate(merge_runs) if "labtax pr merge-shards" in r)
    published = next(i for i, r in enumerate(merge_runs) if "labtax pr publish" in r)
    assert merged < published


# ---------------------------------------------------------------------------------------------
# Every rule can fail


BAD = """\
name: bad
on:
  pull_request_target:
  workflow_run:
    workflows: [x]
    types: [completed]
env:
  KEY: ${{ secrets.KEY }}
jobs:
  build:
    runs-on: ubuntu-latest
    permissions: write-all
    env:
      TOKEN: ${{ secrets.TOKEN }}
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065
      - run: labtax pr extract --out .
      - run: echo "${{ github.event.pull_request.title }}" && pip install .
      - run: labtax generate --changed
        env:
          LABTAX_TEACHER_API_KEY: ${{ secrets.KEY }}
          LABTAX_CACHE_DIR: /tmp/cache
      - uses: actions/cache/save@5a3ec84eff668545956fd18022155c47e93e2684 # v4.2.3
        with:
          path: .labtax
          key: x
  keyed:
    runs-on: ubuntu-latest
    environment: teacher
    permissions:
      contents: read
    steps:
      - run: labtax generate --prefetch-only --changed
      - run: labtax generate --no-document-fetch --max-calls 1 --max-cost 1
        env:
          LABTAX_TEACHER_API_KEY: ${{ secrets.KEY }}
"""


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_each_rule_catches_a_bad_workflow(rule: Rule):
    assert rule(load(BAD), BAD.splitlines()), f"{rule.__name__} found nothing in a bad workflow"


def test_pull_request_rule_catches_secrets_and_writes():
    bad = (
        "on: pull_request\npermissions: {}\njobs:\n  j:\n    runs-on: x\n"
        "    permissions:\n      contents: write\n    steps:\n"
        "      - run: echo hi\n        env:\n          K: ${{ secrets.K }}\n"
    )
    found = pull_request_runs_have_no_secrets_or_writes(load(bad), bad.splitlines())
    assert len(found) == 2


def test_stage_one_uploads_its_request_before_validating_so_a_failure_is_marked_too():
    steps_ = workflow("generate-request.yml")["jobs"]["request"]["steps"]
    runs = [str(step.get("run", "")) + str(step.get("uses", "")) for step in steps_]
    request = next(i for i, r in enumerate(runs) if "labtax pr request" in r)
    upload = next(i for i, r in enumerate(runs) if r.startswith("actions/upload-artifact@"))
    validate = next(i for i, r in enumerate(runs) if "labtax validate" in r)
    assert request < upload < validate

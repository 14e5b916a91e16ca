"""Binding a privileged run to one pull request at one exact commit.

Stage 1 runs the pull request's own code with no secrets and uploads a request artifact: the pull
request number and the head sha it saw. Stage 2 holds the API key, and that artifact comes from a
workflow the pull request itself may have rewritten, so its number and sha are only accepted when
GitHub's own record of the triggering run and of the pull request agree with them. Only the checked
number and sha travel on, as step outputs, and the head is then fetched by that sha alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labtax import gitio
from labtax.ci import outputs
from labtax.ci.github import GitHubClient, GitHubEnv, fetch_auth_header
from labtax.errors import LabtaxError, Location, UsageError
from labtax.util import is_full_sha, write_atomic

MAX_REQUEST_BYTES = 4096
MAX_EVENT_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True)
class GenerationRequest:
    """What the unprivileged stage asks for: a pull request number and the head sha it saw."""

    number: int
    head_sha: str

    def to_json(self) -> str:
        return json.dumps({"head_sha": self.head_sha, "number": self.number}, sort_keys=True) + "\n"


@dataclass(frozen=True)
class WorkflowRun:
    """GitHub's record of the triggering run, from the `workflow_run` event payload."""

    head_sha: str
    event: str
    conclusion: str
    head_repository: str
    repository: str


def valid_number(value: object, where: str) -> int:
    """`value` as a pull request number, or an error located at `where`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**9:
        raise LabtaxError(
            f"pull request number is not a positive integer: {value!r:.80}",
            location=Location(where),
        )
    return value


def valid_sha(value: object, where: str) -> str:
    """`value` as a full lowercase commit sha, or an error located at `where`."""
    if not isinstance(value, str) or not is_full_sha(value):
        raise LabtaxError(
            f"not a full lowercase commit sha: {value!r:.80}", location=Location(where)
        )
    return value


def read_json(path: Path, limit: int) -> Any:
    """A JSON file no bigger than `limit` bytes, or a located error."""
    where = Location(str(path))
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise LabtaxError(f"cannot read: {exc.strerror or exc}", location=where) from exc
    if len(raw) > limit:
        raise LabtaxError(f"file is over {limit} bytes", location=where)
    try:
        return json.loads(raw)
    except ValueError as exc:
        line = getattr(exc, "lineno", 0)
        col = getattr(exc, "colno", 0)
        raise LabtaxError("not valid JSON", location=Location(str(path), line, col)) from exc


def parse_request(data: object, where: str) -> GenerationRequest:
    """A request artifact: exactly `{"number": int, "head_sha": sha}` and nothing else."""
    if not isinstance(data, dict) or set(data) != {"number", "head_sha"}:
        raise LabtaxError(
            'request must be a JSON object with exactly the keys "number" and "head_sha"',
            location=Location(where),
        )
    number = valid_number(data["number"], where)
    return GenerationRequest(number, valid_sha(data["head_sha"], where))


def request_from_pull_request_event(event: object, where: str) -> GenerationRequest:
    """The request stage 1 uploads, from a `pull_request` event payload: number and head only."""
    pull = _get(event, "pull_request")
    return GenerationRequest(
        valid_number(_get(event, "number", pull.get("number")), where),
        valid_sha(_get(pull, "head").get("sha"), where),
    )


def run_event(event: object, where: str) -> WorkflowRun:
    """The fields of a `workflow_run` event payload that the checks rely on."""
    run = _get(event, "workflow_run")
    return WorkflowRun(
        head_sha=valid_sha(run.get("head_sha"), where),
        event=str(run.get("event", "")),
        conclusion=str(run.get("conclusion", "")),
        head_repository=str(_get(run, "head_repository").get("full_name", "")),
        repository=str(_get(event, "repository").get("full_name", "")),
    )


def _get(data: object, key: str, default: object = None) -> Any:
    value = data.get(key, default) if isinstance(data, Mapping) else default
    if value is None:
        raise LabtaxError(f"event payload has no {key!r}", hint="is this the right event?")
    return value


def check_request(
    request: GenerationRequest, run: WorkflowRun, repository: str, *, failed: bool = False
) -> None:
    """The checks that need no API call: the run is a successful PR run (with `failed`: a failed
    one, whose comment only gets marked) and built this sha."""
    wanted = "failure" if failed else "success"
    if run.event != "pull_request" or run.conclusion != wanted:
        raise LabtaxError(
            f"the triggering run was a {run.event!r} run that ended {run.conclusion!r}",
            hint="generation runs only after a successful pull_request run"
            if not failed
            else "--failed-run is for a pull_request run whose validation failed",
        )
    if run.repository != repository:
        raise LabtaxError(f"event is for {run.repository!r}, this job runs in {repository!r}")
    if request.head_sha != run.head_sha:
        raise LabtaxError(
            f"the request names {request.head_sha[:12]} but the run built {run.head_sha[:12]}",
            hint="the request artifact does not belong to this run; nothing was generated",
        )


def check_head(
    request: GenerationRequest,
    run: WorkflowRun,
    pull: Mapping[str, Any],
    repository: str,
    *,
    failed: bool = False,
) -> GenerationRequest:
    """Accept the request only if the run, the artifact and the pull request agree right now."""
    check_request(request, run, repository, failed=failed)
    label = f"pull request #{request.number}"
    if pull.get("number") != request.number:
        raise LabtaxError(f"GitHub returned a different pull request for {label}")
    base_repo = _repo_name(pull.get("base"))
    head_repo = _repo_name(pull.get("head"))
    if base_repo != repository:
        raise LabtaxError(f"{label} targets {base_repo!r}, not {repository!r}")
    if pull.get("state") != "open":
        raise LabtaxError(f"{label} is {pull.get('state')!r}, not open; nothing to generate")
    if head_repo != run.head_repository:
        raise LabtaxError(
            f"{label} comes from {head_repo!r}, the run from {run.head_repository!r}",
            hint="the request artifact does not belong to this run; nothing was generated",
        )
    head = pull.get("head")
    current = head.get("sha") if isinstance(head, Mapping) else None
    if current != run.head_sha:
        raise LabtaxError(
            f"{label} has moved on to {str(current)[:12]} since this run built {run.head_sha[:12]}",
            hint="the run for the newer commit generates its data; nothing was generated here",
        )
    return request


def _repo_name(side: object) -> str | None:
    repo = side.get("repo") if isinstance(side, Mapping) else None
    name = repo.get("full_name") if isinstance(repo, Mapping) else None
    return name if isinstance(name, str) else None


def step_outputs(request: GenerationRequest) -> dict[str, str]:
    """The outputs later jobs take: both values validated again, whoever built the request."""
    return {
        "number": str(valid_number(request.number, "output")),
        "head_sha": valid_sha(request.head_sha, "output"),
    }


# ---------------------------------------------------------------------------------------------
# The steps, one function each


def write_request(event_path: Path, out: Path) -> GenerationRequest:
    """`labtax pr request`: the request artifact from a `pull_request` event, written to `out`."""
    event = read_json(event_path, MAX_EVENT_BYTES)
    request = request_from_pull_request_event(event, str(event_path))
    write_atomic(out, request.to_json())
    return request


def requested(
    request_path: Path | None, number: int | None, head_sha: str | None
) -> GenerationRequest:
    """The request to check: the artifact at `request_path`, or a number and sha from outputs."""
    if request_path is not None:
        if number is not None or head_sha is not None:
            raise UsageError("give either --request or --number with --head-sha, not both")
        return parse_request(read_json(request_path, MAX_REQUEST_BYTES), str(request_path))
    if number is None or head_sha is None:
        raise UsageError("give --request FILE, or both --number and --head-sha")
    return GenerationRequest(valid_number(number, "--number"), valid_sha(head_sha, "--head-sha"))


def bind_run(
    event_path: Path,
    environ: Mapping[str, str],
    *,
    request_path: Path | None = None,
    number: int | None = None,
    head_sha: str | None = None,
    failed: bool = False,
) -> GenerationRequest:
    """`labtax pr check-head`: the checked request, also appended to `$GITHUB_OUTPUT` when set.
    With `failed`, the triggering run must have failed (its validation): the request is then
    only good for marking the comment."""
    request = requested(request_path, number, head_sha)
    run = run_event(read_json(event_path, MAX_EVENT_BYTES), str(event_path))
    env = GitHubEnv.from_environ(environ)
    check_request(request, run, env.repository, failed=failed)  # before spending an API call
    pull = GitHubClient(env).pull(request.number)
    checked = check_head(request, run, pull, env.repository, failed=failed)
    outputs.append_outputs(step_outputs(checked), environ)
    return checked


def fetch_head(head_sha: str, environ: Mapping[str, str], *, cwd: Path, remote: str) -> str:
    """`labtax pr fetch`: the objects of exactly commit `head_sha`, with the job token if set."""
    sha = valid_sha(head_sha, "--head-sha")
    header = fetch_auth_header(environ)
    gitio.fetch_pull_commit(sha, cwd=gitio.toplevel(cwd), remote=remote, auth_header=header)
    return sha

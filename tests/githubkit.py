"""Builders for the tests of `labtax.ci` and of the workflows: a repository and a fake GitHub API.

Importable (`pythonpath = ["tests"]`); the `github_repo`, `fake_github` and `github_env` fixtures
in conftest.py are made from them. The API is a real HTTP server on 127.0.0.1, so the client's
requests, headers and errors are real.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from gitrepo import git as _git

REPOSITORY = "octo/taxonomy"


def git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    """git's stdout without its trailing newline: these tests compare shas and names."""
    return _git(cwd, *args, stdin=stdin).strip()


SKILL = """\
version: 3
created_by: tester
task_description: Write a haiku about a topic.
seed_examples:
  - question: Write a haiku about rain.
    answer: Rain taps the window, a soft drum for sleeping streets, the gutters hum low.
  - question: Write a haiku about snow.
    answer: Snow fills the footprints, the town forgets where it walked, white pages again.
  - question: Write a haiku about wind.
    answer: Wind combs the tall grass, the hill breathes out its long sigh, kites remember flight.
  - question: Write a haiku about the sea.
    answer: Salt on the cold stones, the tide counts the hours again, gulls argue with foam.
  - question: Write a haiku about a lamp.
    answer: A lamp in the hall, one circle of yellow light, the moths hold council.
"""


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def make_repo(root: Path) -> Path:
    """A repository on `main` with one committed leaf (SKILL, a haiku) and a pyproject."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    write(root, "pyproject.toml", '[tool.labtax]\ntaxonomy = "taxonomy"\n')
    write(root, "taxonomy/compositional_skills/poetry/haiku/qna.yaml", SKILL)
    write(root, "taxonomy/compositional_skills/poetry/haiku/attribution.txt", "tester\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


@dataclass
class FakeGitHub:
    """A small stateful imitation of the REST endpoints labtax uses, recording every request."""

    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    refs: dict[str, str] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    opened: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    token_seen: list[str] = field(default_factory=list)

    def handle(  # noqa: PLR0911, PLR0912 - one branch per endpoint reads best here
        self, method: str, raw_path: str, body: Any
    ) -> tuple[int, Any]:
        parts = urlsplit(raw_path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        prefix = f"/repos/{REPOSITORY}/"
        if not parts.path.startswith(prefix):
            return 404, {"message": "Not Found"}
        tail = parts.path[len(prefix) :]
        route = (method, *tail.split("/"))
        match route:
            case ("GET", "pulls", number) if number.isdigit():
                pull = self.pulls.get(int(number))
                return (200, pull) if pull else (404, {"message": "Not Found"})
            case ("GET", "pulls"):
                head = query.get("head", "")
                found = [p for p in self.opened if f"octo:{p['head']}" == head]
                return 200, found
            case ("POST", "pulls"):
                made = {**body, "number": 900 + len(self.opened)}
                self.opened.append(made)
                return 201, made
            case ("GET", "issues", _, "comments"):
                page = int(query.get("page", "1"))
                per = int(query.get("per_page", "30"))
                return 200, self.comments[(page - 1) * per : page * per]
            case ("POST", "issues", _, "comments"):
                made = {
                    "id": 5000 + len(self.comments),
                    "body": body["body"],
                    "user": {"login": "github-actions[bot]", "type": "Bot"},
                }
                self.comments.append(made)
                return 201, made
            case ("PATCH", "issues", "comments", ident):
                for comment in self.comments:
                    if comment["id"] == int(ident):
                        comment["body"] = body["body"]
                        return 200, comment
                return 404, {"message": "Not Found"}
            case ("POST", "git", kind):
                sha = hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()  # noqa: S324
                self.objects[sha] = {"kind": kind, **body}
                if kind == "refs":
                    self.refs[body["ref"]] = body["sha"]
                return 201, {"sha": sha, "ref": body.get("ref")}
            case ("GET", "git", "commits", sha):
                return 200, {"sha": sha, "tree": {"sha": "t" * 40}}
            case ("GET", "git", "ref", *ref):
                name = "refs/" + "/".join(ref)
                if name in self.refs:
                    return 200, {"ref": name, "object": {"sha": self.refs[name]}}
                return 404, {"message": "Not Found"}
            case ("PATCH", "git", "refs", *ref):
                self.refs["refs/" + "/".join(ref)] = body["sha"]
                return 200, {"ref": "refs/" + "/".join(ref)}
        return 404, {"message": "Not Found"}


@contextlib.contextmanager
def serve() -> Iterator[FakeGitHub]:
    """The fake API listening on 127.0.0.1 (its URL in `url`) until the block ends."""
    state = FakeGitHub()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            state.requests.append((self.command, self.path, body))
            state.token_seen.append(self.headers.get("Authorization", ""))
            status, payload = state.handle(self.command, self.path, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _serve  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def step_env(fake: FakeGitHub, tmp_path: Path) -> dict[str, str]:
    """The `GITHUB_*` variables a workflow step sees, pointing at the fake API."""
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": fake.url,
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_TOKEN": "ghs_faketoken",
        "GITHUB_OUTPUT": str(tmp_path / "github_output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step_summary"),
    }

"""The REST client's errors, seen through `labtax pr comment` against the fake API."""

from __future__ import annotations

import socket
from pathlib import Path


def body_file(tmp_path: Path) -> Path:
    path = tmp_path / "comment.md"
    path.write_text("x\n", encoding="utf-8")
    return path


def comment_step(kit, tmp_path: Path) -> tuple[int, str, str]:
    """`labtax pr comment`, the step whose client talks to the API in these tests."""
    return kit.run("pr", "comment", "--number", "7", "--body-file", str(body_file(tmp_path)))


def test_api_failure_is_a_clear_error(kit, tmp_path, fake_github, github_env, monkeypatch):
    monkeypatch.setenv("GITHUB_REPOSITORY", "octo/other")  # the fake knows only octo/taxonomy
    code, _, err = comment_step(kit, tmp_path)
    assert code == 1
    assert "HTTP 404" in err
    assert "Traceback" not in err


def test_unreachable_api_is_a_clear_error(kit, tmp_path, github_env, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{port}")
    code, _, err = comment_step(kit, tmp_path)
    assert code == 1
    assert "unreachable" in err


def test_only_http_api_urls_are_used(kit, tmp_path, github_env, monkeypatch):
    monkeypatch.setenv("GITHUB_API_URL", "file:///etc")
    code, _, err = comment_step(kit, tmp_path)
    assert code == 1
    assert "GITHUB_API_URL is not an http(s) URL" in err

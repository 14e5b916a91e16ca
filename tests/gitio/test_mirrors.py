"""Document mirrors on their own: pinned shas, rewritten state, the caller's variables ignored
(the attacks through planted mirror state are in tests/documents/)."""

from __future__ import annotations

from pathlib import Path

import pytest

import topicrepo
from gitrepo import git
from labtax import gitio
from labtax.errors import LabtaxError


def _source(tmp_path: Path, *, object_format: str = "sha1") -> tuple[str, str]:
    source = tmp_path / f"source-{object_format}"
    source.mkdir()
    git(source, "init", "-q", f"--object-format={object_format}", "-b", "main")
    topicrepo.write(source, "a.md", "# Doc\n")
    topicrepo.commit_all(source, "doc")
    return source.as_uri(), git(source, "rev-parse", "HEAD").strip()


LIMITS = gitio.MirrorLimits(max_bytes=10**8, timeout=60, protocols=("file",), blob_limit=10**7)


@pytest.mark.parametrize("object_format", ["sha1", "sha256"])
def test_fetch_mirror_holds_the_pinned_commit_in_either_object_format(
    tmp_path: Path, object_format: str
):
    url, sha = _source(tmp_path, object_format=object_format)
    mirror = tmp_path / "mirror.git"
    gitio.fetch_mirror(url, sha, mirror=mirror, limits=LIMITS)
    assert gitio.mirror_has_commit(mirror, sha)
    assert [e.path for e in gitio.mirror_tree(mirror, sha)] == ["a.md"]
    assert gitio.mirror_blobs(mirror, sha, ["a.md", "missing.md"]) == {"a.md": b"# Doc\n"}


def test_prepare_mirror_keeps_objects_and_refs_and_rewrites_the_rest(tmp_path: Path):
    url, sha = _source(tmp_path)
    mirror = tmp_path / "mirror.git"
    gitio.fetch_mirror(url, sha, mirror=mirror, limits=LIMITS)
    for planted in ("hooks/post-checkout", "info/attributes", "objects/info/alternates", "x"):
        topicrepo.write(mirror, planted, "planted\n")
    (mirror / "config").write_text("[include]\n\tpath = /elsewhere\n")
    gitio.prepare_mirror(mirror, sha)
    assert sorted(p.name for p in mirror.iterdir()) == [
        "HEAD",
        "config",
        "objects",
        "refs",
        "shallow",
    ]
    assert not (mirror / "objects" / "info").exists()
    assert "include" not in (mirror / "config").read_text()
    assert gitio.mirror_has_commit(mirror, sha)  # the objects survived
    (mirror / "refs" / "escape").symlink_to(tmp_path)
    gitio.prepare_mirror(mirror, sha)  # a symlink anywhere: the whole mirror goes
    assert not gitio.mirror_has_commit(mirror, sha)


def test_mirror_git_ignores_the_callers_redirecting_variables(
    tmp_path: Path, odd_repo: Path, monkeypatch: pytest.MonkeyPatch
):
    url, sha = _source(tmp_path)
    marker = tmp_path / "ran"
    script = tmp_path / "upload.sh"
    script.write_text(f"#!/bin/sh\ntouch '{marker}'\nexec git-upload-pack \"$@\"\n")
    script.chmod(0o755)
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", f"remote.{url}.uploadpack")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", str(script))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'core.hookspath'='{tmp_path}'")
    monkeypatch.setenv("GIT_DIR", str(odd_repo / ".git"))
    monkeypatch.setenv("GIT_ALTERNATE_OBJECT_DIRECTORIES", str(odd_repo / ".git" / "objects"))
    mirror = tmp_path / "mirror.git"
    gitio.fetch_mirror(url, sha, mirror=mirror, limits=LIMITS)
    assert gitio.mirror_has_commit(mirror, sha)
    assert not marker.exists()
    odd_head = git(odd_repo, "--git-dir", str(odd_repo / ".git"), "rev-parse", "HEAD").strip()
    assert not gitio.mirror_has_commit(mirror, odd_head)  # no borrowed object store


def test_fetch_mirror_refuses_what_is_not_a_full_sha_and_unsafe_transports(tmp_path: Path):
    url, sha = _source(tmp_path)
    for bad in ("main", sha[:12], "HEAD", "-" + sha[1:]):
        with pytest.raises(LabtaxError, match="invalid document repository"):
            gitio.fetch_mirror(url, bad, mirror=tmp_path / "m.git", limits=LIMITS)
    ext = gitio.MirrorLimits(10**8, 60, ("ext", "file"), 10**7)
    marker = tmp_path / "ext-ran"
    with pytest.raises(LabtaxError, match="cannot fetch commit"):
        gitio.fetch_mirror(
            f"ext::sh -c touch% {marker}", sha, mirror=tmp_path / "e.git", limits=ext
        )
    assert not marker.exists()


@pytest.mark.parametrize(
    ("detail", "cause"),
    [
        ("fatal: remote error: upload-pack: not our ref 0123", "commit"),
        ("fatal: couldn't find remote ref 0123", "commit"),
        ("", "commit"),
        (
            "fatal: unable to access 'https://x.invalid/r.git/': Could not resolve host: x.invalid",
            "name",
        ),
        (
            "fatal: unable to access 'http://127.0.0.1:9/r.git/': Failed to connect to 127.0.0.1"
            " port 9 after 0 ms: Couldn't connect to server",
            "refused",
        ),
        ("fatal: repository 'https://example.org/r.git/' not found", "repo"),
    ],
)
def test_a_failed_document_fetch_says_why(detail: str, cause: str):
    assert gitio.fetch_failure_cause(detail) == cause


def test_a_missing_document_commit_is_its_own_error_with_its_own_hint(tmp_path: Path):
    url, _sha = _source(tmp_path)
    with pytest.raises(gitio.DocumentFetchError) as caught:
        gitio.fetch_mirror(url, "ab" * 20, mirror=tmp_path / "m.git", limits=LIMITS)
    assert caught.value.cause == "commit"
    assert "document.commit is not in that repository" in caught.value.hint
    with pytest.raises(gitio.DocumentFetchError) as refused:
        gitio.fetch_mirror("-x", "ab" * 20, mirror=tmp_path / "m.git", limits=LIMITS)
    assert refused.value.cause == "repo"

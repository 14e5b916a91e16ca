"""`labtax pr publish`: the merged taxonomy's generated data, proposed as a pull request."""

from __future__ import annotations

import base64

import clirun
import githubkit

GEN = "generated/compositional_skills/poetry/haiku"


def objects_of(fake, kind: str) -> list[dict]:
    return [o for o in fake.objects.values() if o["kind"] == kind]


def test_publishes_changed_generated_files_as_one_commit_and_pull_request(
    github_repo, fake_github, github_env
):
    githubkit.write(github_repo, f"{GEN}/samples.jsonl", '{"id": "a"}\n')
    githubkit.write(github_repo, f"{GEN}/stale.jsonl", "old\n")
    head = githubkit.commit_all(github_repo, "data")
    githubkit.write(github_repo, f"{GEN}/samples.jsonl", '{"id": "a"}\n{"id": "b"}\n')  # modified
    githubkit.write(github_repo, f"{GEN}/manifest.json", "{}\n")  # untracked: new
    (github_repo / f"{GEN}/stale.jsonl").unlink()  # deleted
    githubkit.write(github_repo, "taxonomy/notes.md", "not generated data\n")

    code, out, err = clirun.run("pr", "publish", "--branch", "labtax/generated")

    assert code == 0, err
    assert "opened pull request #900" in out
    (tree,) = objects_of(fake_github, "trees")
    assert tree["tree"] == [
        {"path": f"{GEN}/manifest.json", "mode": "100644", "type": "blob", "content": "{}\n"},
        {
            "path": f"{GEN}/samples.jsonl",
            "mode": "100644",
            "type": "blob",
            "content": '{"id": "a"}\n{"id": "b"}\n',
        },
        {"path": f"{GEN}/stale.jsonl", "mode": "100644", "type": "blob", "sha": None},
    ]
    assert objects_of(fake_github, "blobs") == []  # text travels inline, in one request
    (commit,) = objects_of(fake_github, "commits")
    assert commit["parents"] == [head]
    assert fake_github.refs["refs/heads/labtax/generated"]
    assert fake_github.opened[0]["base"] == "main"
    assert fake_github.opened[0]["head"] == "labtax/generated"

    # A second merge: the branch is moved and the open pull request reused.
    githubkit.write(github_repo, f"{GEN}/manifest.json", '{"v": 2}\n')
    code, out, err = clirun.run("pr", "publish", "--branch", "labtax/generated")
    assert code == 0, err
    assert "updated pull request #900" in out
    assert len(fake_github.opened) == 1
    assert any(
        m == "PATCH" and "git/refs/heads/labtax/generated" in p for m, p, _ in fake_github.requests
    )


def test_binary_files_go_up_as_base64_blobs(github_repo, fake_github, github_env):
    githubkit.write(github_repo, f"{GEN}/weights.bin", b"\xff\x00\xfe")
    code, _, err = clirun.run("pr", "publish")
    assert code == 0, err
    (blob,) = objects_of(fake_github, "blobs")
    assert base64.b64decode(blob["content"]) == b"\xff\x00\xfe"
    (tree,) = objects_of(fake_github, "trees")
    assert tree["tree"][0]["sha"] is not None


def test_nothing_to_publish_makes_no_api_call(github_repo, fake_github, github_env):
    code, out, err = clirun.run("pr", "publish")
    assert code == 0, err
    assert "nothing to publish" in out
    assert fake_github.requests == []


def test_branch_names_are_checked(github_repo, github_env):
    for bad in ("-f", "a..b", "x; rm -rf /", "refs/heads/x.lock"):
        code, _, err = clirun.run("pr", "publish", "--branch", bad)
        assert code == 2, bad
        assert "not a plain branch name" in err

"""The `labtax` entry point: lazy subcommands, and every outcome mapped to its exit code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import types
from collections.abc import Callable

import click
import pytest

import clirun
from labtax import __version__, cli
from labtax.errors import LabtaxError, Location, UsageError


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], object]], None]:
    """`probe(body)`: register `labtax probe` as a command whose callback runs `body`."""

    def register(body: Callable[[], object]) -> None:
        module = types.ModuleType("labtax_probe_command")
        module.command = click.command("probe")(body)  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, module.__name__, module)
        monkeypatch.setitem(cli.COMMANDS, "probe", (module.__name__, "A test command."))

    return register


def test_the_callback_return_value_is_the_exit_code(probe) -> None:
    probe(lambda: 1)
    assert clirun.run("probe").code == 1
    probe(lambda: None)
    assert clirun.run("probe").code == 0


def test_an_expected_error_exits_1_with_its_location_and_hint(probe) -> None:
    def fail() -> None:
        raise LabtaxError("no such leaf", hint="check the path", location=Location("a.yaml", 2, 3))

    probe(fail)
    code, out, err = clirun.run("probe")
    assert (code, out) == (1, "")
    assert err == "a.yaml:2:3: error: no such leaf\n  hint: check the path\n"


def test_usage_errors_exit_2(probe) -> None:
    def wrong() -> None:
        raise UsageError("pass either PATHs or --changed")

    probe(wrong)
    assert clirun.run("probe") == (2, "", "error: pass either PATHs or --changed\n")
    code, _, err = clirun.run("no-such-command")
    assert code == 2
    assert "No such command" in err
    assert clirun.run("probe", "--no-such-flag").code == 2


def test_a_click_error_that_is_not_about_usage_keeps_its_exit_code(probe) -> None:
    def broken_file() -> None:
        raise click.FileError("data.txt", hint="gone")

    probe(broken_file)
    code, _, err = clirun.run("probe")
    assert code == 1
    assert "data.txt" in err


def test_a_bug_exits_3_without_a_traceback_unless_debugging(probe, monkeypatch) -> None:
    def crash() -> None:
        raise KeyError("oops")

    probe(crash)
    monkeypatch.delenv("LABTAX_DEBUG", raising=False)
    code, _, err = clirun.run("probe")
    assert code == 3
    assert "labtax: internal error: KeyError: 'oops'" in err
    assert "This is a bug in labtax" in err
    assert "Traceback" not in err
    monkeypatch.setenv("LABTAX_DEBUG", "1")
    code, _, err = clirun.run("probe")
    assert code == 3
    assert "Traceback" in err


def test_an_interrupt_exits_130(probe) -> None:
    def interrupted() -> None:
        raise KeyboardInterrupt

    probe(interrupted)
    code, out, err = clirun.run("probe")
    assert (code, out) == (130, "")
    assert err.strip() == "interrupted"


def test_a_registered_module_without_a_click_command_is_no_command(probe, monkeypatch) -> None:
    empty = types.ModuleType("labtax_empty_command")
    monkeypatch.setitem(sys.modules, empty.__name__, empty)
    monkeypatch.setitem(cli.COMMANDS, "empty", (empty.__name__, "Nothing."))
    assert clirun.run("empty").code == 2


def test_version_and_help_exit_0(monkeypatch) -> None:
    code, out, _ = clirun.run("--version")
    assert (code, out) == (0, f"labtax, version {__version__}\n")
    code, out, _ = clirun.run("--help")
    assert code == 0
    for name, (_, summary) in cli.COMMANDS.items():
        assert f"{name}" in out
        assert summary in out
    monkeypatch.setattr(sys, "argv", ["labtax", "-h"])
    assert cli.main() == 0


def test_help_imports_no_subcommand_module() -> None:
    script = (
        "import sys\n"
        "from labtax.cli import main\n"
        "assert main(['--help']) == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith('labtax.commands.')\n"
        "             and m != 'labtax.commands._options'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_python_dash_m_labtax_is_the_same_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "labtax", "no-such-command"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "No such command" in done.stderr


INJECTIONS = (
    "\n::error file=README.md,line=1::forged annotation",
    "\n::add-mask::the-log-hides-this",
    "\n::stop-commands::resume-token\n::warning::after stop",
    "\r::error::after a carriage return",
    "\n  ##[error]old-style command",
)


def _commands(text: str) -> list[str]:
    """Lines a GitHub Actions runner would take for a workflow command."""
    return [
        line
        for line in text.splitlines()
        if line.lstrip().startswith(("::", "##["))
        and not re.fullmatch(
            r"::(error|warning) file=[^:]*,line=\d+,col=\d+,title=labtax [a-z-]+::.*", line
        )
    ]


@pytest.mark.parametrize("injected", INJECTIONS)
def test_untrusted_values_never_start_a_workflow_command(
    project, in_process, invoke, injected: str
) -> None:
    """A document reference with a line break and a workflow command in validate and generate."""
    leaf = project / "taxonomy/knowledge/science/water_cycle/qna.yaml"
    text = leaf.read_text()
    local = text.replace(
        "repo: documents/water", f"repo: {json.dumps('documents/water' + injected)}"
    )
    leaf.write_text(local)
    remote = project / "taxonomy/knowledge/history/printing_press/qna.yaml"
    url = re.search(r"repo: (\S+)", remote.read_text())
    assert url is not None
    remote.write_text(
        remote.read_text().replace(f"repo: {url[1]}", f"repo: {json.dumps(url[1] + injected)}")
    )
    actions = {"GITHUB_ACTIONS": "true"}
    runs = [
        invoke("validate", "--format", "text", cwd=project, env=actions),
        invoke("validate", cwd=project, env=actions),  # auto: annotations of its own
        invoke("generate", "--prefetch-only", cwd=project, env=actions),
        invoke("generate", "--no-document-fetch", cwd=project, env=actions),
        invoke("generate", cwd=project, env=actions),
    ]
    for run in runs:
        assert run.code == 1
        assert _commands(run.out + "\n" + run.err) == [], run
    # The values are still shown, escaped, so the author can find them.
    assert "\\n::add-mask::" in runs[0].out or "::add-mask::" not in injected
    assert "documents/water" in runs[0].out


@pytest.mark.parametrize("injected", INJECTIONS)
def test_leaf_names_never_start_a_workflow_command(project, invoke, injected: str) -> None:
    """A leaf directory named with a line break and a workflow command, in the commands that
    list leaves: changed, status and the data diff's text."""
    from gitrepo import git

    git(project, "checkout", "-q", "-b", "topic")
    source = project / "taxonomy/compositional_skills/riddles/objects"
    evil = source.parent / f"evil{injected}"
    evil.mkdir()
    for name in ("qna.yaml", "attribution.txt"):
        (evil / name).write_bytes((source / name).read_bytes())
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "a leaf with a forged name")
    actions = {"GITHUB_ACTIONS": "true"}
    runs = [
        invoke("changed", "--base", "main", cwd=project, env=actions),
        invoke("status", cwd=project, env=actions),
        invoke("diff", "--base", "main", "--format", "text", cwd=project, env=actions),
    ]
    for run in runs:
        assert run.code in {0, 1}, run
        assert _commands(run.out + "\n" + run.err) == [], run
        assert "evil" in run.out + run.err  # still named, escaped

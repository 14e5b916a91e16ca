"""The transport must stay cheap to import: litellm loads only when a call goes out or a price is
actually needed."""

from __future__ import annotations

import subprocess
import sys

LOADED = "sorted(m for m in sys.modules if m.split('.')[0] in ('litellm', 'openai'))"


def _run(code: str, cwd=None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=cwd,
    )
    return done.stdout.strip().splitlines()[-1]


def test_importing_the_teacher_layer_does_not_import_litellm():
    code = (
        "import sys\n"
        "import labtax.transport, labtax.teacher, labtax.cache, labtax.fake_teacher\n"
        "import labtax.commands.fake_teacher, labtax.commands.generate, labtax.generation.run\n"
        "from labtax.config import TeacherConfig\n"
        "from labtax.teacher import make_teacher, Budget\n"
        "import pathlib, tempfile\n"
        "make_teacher(TeacherConfig(), pathlib.Path(tempfile.mkdtemp()), Budget())\n"
        f"print({LOADED})\n"
    )
    assert _run(code) == "[]"


def test_a_dry_run_with_nothing_to_price_does_not_import_litellm(repo):
    code = (
        "import sys\n"
        "from labtax.cli import main\n"
        "assert main(['generate', '--dry-run']) == 0\n"
        f"print({LOADED})\n"
    )
    assert _run(code, cwd=repo) == "[]"

"""Importing the teacher layer must stay cheap: litellm loads only when a call goes out."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_teacher_layer_does_not_import_litellm():
    code = (
        "import sys\n"
        "import labtax.teacher, labtax.cache, labtax.fake_teacher, labtax.commands.fake_teacher\n"
        "from labtax.config import TeacherConfig\n"
        "from labtax.teacher import make_teacher, Budget\n"
        "import pathlib, tempfile\n"
        "make_teacher(TeacherConfig(), pathlib.Path(tempfile.mkdtemp()), Budget())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('litellm', 'openai')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"

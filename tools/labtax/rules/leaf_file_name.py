"""A YAML file in the taxonomy that is not named `qna.yaml` (InstructLab skips it silently)."""

from __future__ import annotations

from labtax.diagnostics import Diagnostic, Level
from labtax.leaves import LEAF_NAME
from labtax.rules.subject import Subject, finding

ID = "leaf-file-name"
LEVEL = Level.ERROR
LEGACY_WARNING = False
SUMMARY = 'a YAML file in the taxonomy is not named "qna.yaml" (e.g. qna.yml, QnA.yaml)'
HINT = 'rename it to "qna.yaml", or move it out of the taxonomy'


def check(subject: Subject) -> list[Diagnostic]:
    name = subject.file.name
    if name == LEAF_NAME:
        return []
    message = f'leaf files must be named "{LEAF_NAME}"; "{name}" is never read as a leaf'
    return [finding(subject, (1, 1), LEVEL, ID, message, HINT)]

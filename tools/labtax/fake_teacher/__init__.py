"""An offline stand-in for a teacher model: an OpenAI-compatible HTTP server with canned answers.

It is NOT a model. It recognises each labtax prompt by its stage and reads its tagged sections
with the prompt protocol (`labtax.prompts`), and builds a well-formed answer of the shape the stage
asks for from the prompt's own words and fixed phrase lists (`answers`, `phrases`). Everything is
seeded by a hash of the request messages: the same prompt always gets the same answer.

Asked for the model `labtax-fake-student` it plays a student instead (`student`): it answers
the held-out questions it was taught, some leaves well and others badly, for `labtax eval`.

With a fault rate the server (`server`) also misbehaves the way real servers do, per request hash
and attempt, so a retried call eventually gets through and a rerun sees the same faults; with a
truncate rate it cuts first answers at the limit. It simulates a serving engine's prefix cache and
reports the prompt tokens it served from it, as OpenAI-compatible servers do.
"""

from __future__ import annotations

from labtax.fake_teacher.answers import GENERIC_ANSWER, request_digest, respond
from labtax.fake_teacher.server import (
    BANNER,
    BLOCK_TOKENS,
    FAULTS,
    HANG_S,
    MODEL_NAME,
    FakeTeacherServer,
    PrefixCache,
    ServerSettings,
    ServerStats,
    completion_body,
    fault_for,
    make_server,
    serve,
    start_in_thread,
    token_counts,
    truncates,
)
from labtax.fake_teacher.student import STUDENT_MODEL_NAME, Knowledge, mastery

__all__ = [
    "BANNER",
    "BLOCK_TOKENS",
    "FAULTS",
    "GENERIC_ANSWER",
    "HANG_S",
    "MODEL_NAME",
    "STUDENT_MODEL_NAME",
    "FakeTeacherServer",
    "Knowledge",
    "PrefixCache",
    "ServerSettings",
    "ServerStats",
    "completion_body",
    "fault_for",
    "make_server",
    "mastery",
    "request_digest",
    "respond",
    "serve",
    "start_in_thread",
    "token_counts",
    "truncates",
]

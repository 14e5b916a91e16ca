"""Fixtures for the teacher area: a fake teacher server on a free port, stopped afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from labtax import fake_teacher

Start = Callable[..., tuple[fake_teacher.FakeTeacherServer, str]]


@pytest.fixture
def fake_server() -> Iterator[Start]:
    """Start fake teacher servers with any settings; all are stopped at the end of the test."""
    started: list[fake_teacher.FakeTeacherServer] = []

    def start(**settings: object) -> tuple[fake_teacher.FakeTeacherServer, str]:
        server, url = fake_teacher.start_in_thread(**settings)  # type: ignore[arg-type]
        started.append(server)
        return server, url

    yield start
    for server in started:
        server.stop()

"""Fixtures of the data diff tests: the builders of hand-written `generated/` data."""

from __future__ import annotations

import pytest

import datafiles


@pytest.fixture
def kit() -> type[datafiles.Kit]:
    return datafiles.Kit

"""Fixtures for the prompt tests: one loaded sample leaf of each kind."""

from __future__ import annotations

import pytest

from labtax.leaves import Leaf
from sampleleaves import sample_leaves as load_sample_leaves


@pytest.fixture
def sample_leaves() -> dict[str, Leaf]:
    """One loaded leaf of each kind, by kind: freeform, grounded, knowledge."""
    return load_sample_leaves()

"""Fixtures of the transcript tests."""

from __future__ import annotations

import functools

import pytest

from .support import build_history


@pytest.fixture
def history(make):
    """Build an officer's training history (see :func:`support.build_history`)."""
    return functools.partial(build_history, make)

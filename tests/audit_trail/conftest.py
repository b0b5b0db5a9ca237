import pytest

from tests.status.program import Program


@pytest.fixture
def program(make):
    """The ALERRT tracks, their courses and renewal paths (see tests/status/program.py)."""
    return Program(make)

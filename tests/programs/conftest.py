import pytest

from lms.models import Role
from lms.status import operations as status_operations
from tests.status.program import Program


@pytest.fixture
def program(make):
    """The ALERRT tracks, their courses and renewal paths (see tests/status/program.py)."""
    return Program(make)


@pytest.fixture
def admin(make, sign_in, program):
    """An administrator of the program's department, signed in."""
    person = make.person(Role.ADMIN, organization=program.department, name="Chris Admin")
    sign_in(person)
    return person


@pytest.fixture
def refresher_taken(make, program):
    """``refresher_taken(person, days_ago)``: they completed the refresher then; cycles granted."""

    def take(person, days_ago):
        session = program.past_session(days_ago=days_ago)
        (enrollment,) = program.enroll(session, person)
        completion = make.completion(enrollment)
        status_operations.grant_for_completions([completion], None)
        make.db.commit()
        return completion

    return take

"""Pages name a course once, and a session by its course and day."""

from datetime import date

import pytest

from lms.models import Audience, Role
from lms.models.courses import title_with_code
from tests.rosters.helpers import visible


@pytest.mark.parametrize(
    ("title", "code", "named"),
    [
        ("CRASE: Avoid, Deny, Defend", "CRASE", "CRASE: Avoid, Deny, Defend"),
        ("ALERRT Refresher", "ALERRT-REFRESH", "ALERRT Refresher (ALERRT-REFRESH)"),
        # A code inside a longer word or code is not the code.
        ("ALERRT-REFRESH review", "ALERRT", "ALERRT-REFRESH review (ALERRT)"),
        ("Crase for churches", "CRASE", "Crase for churches"),
    ],
)
def test_a_title_that_carries_its_code_is_not_followed_by_it(title, code, named):
    assert title_with_code(title, code) == named


def test_breadcrumbs_and_refusals_say_each_thing_once(client, make, sign_in):
    department = make.organization("Missoula Police Department")
    crase = make.course(
        "CRASE",
        title="CRASE: Avoid, Deny, Defend",
        organization=department,
        audience=Audience.CIVILIANS,
    )
    session = make.session(crase, start=date(2027, 2, 8))
    coordinator = make.person(Role.COORDINATOR, Role.OFFICER, organization=department)
    sign_in(coordinator)

    enrollments = visible(client.get(f"/training/sessions/{session.id}/enrollments"))
    assert "CRASE: Avoid, Deny, Defend, Mon 08 Feb 2027 › Enrollments" in enrollments
    assert f"session {session.id}" not in enrollments
    detail = visible(client.get(f"/training/sessions/{session.id}"))
    assert "CRASE is for community members; a training coordinator can enroll others." in detail
    assert "(community members)" not in detail

"""A community group's default seat cap applies where the session sets no cap of its own."""

from datetime import date, timedelta

import pytest

from lms.enrollment import queries as enrollment_queries
from lms.enrollment.group_operations import set_seat_cap
from lms.models import Audience, Role
from tests.enrollment.helpers import flash_text


@pytest.fixture
def crase(make, department):
    return make.course("CRASE", title="CRASE", organization=department, audience=Audience.CIVILIANS)


def coming(make, course, **kw):
    return make.session(course, capacity=20, start=date.today() + timedelta(days=20), **kw)


def set_default_cap(browser, group, cap):
    page = f"/training/organizations/{group.id}/edit"
    return browser.submit(
        page,
        {
            "name": group.name,
            "kind": "community_group",
            "agency_type": "school",
            "timezone": "America/Denver",
            "default_seat_cap": str(cap),
            "parent_id": "",
        },
    )


def test_the_groups_default_cap_holds_it_to_that_many_seats(make, client_for, admin, school, crase):
    assert set_default_cap(client_for(admin), school, 2).status_code == 302
    session = coming(make, crase)
    coordinator = make.person(Role.GROUP_COORDINATOR, organization=school)
    browser = client_for(coordinator)
    page = f"/training/groups/{school.id}/sessions/{session.id}"
    response = browser.submit(page, {"seats": "3"}, action=f"{page}/reserve")
    assert "Big Sky High School may hold at most 2 seats in this session." in flash_text(response)
    for n in range(3):
        browser.submit(
            page,
            {"full_name": f"Teacher {n}", "email": f"t{n}@bigsky.test"},
            action=f"{page}/people",
        )
    make.db.expire_all()
    count = enrollment_queries.count_seats(session)
    assert count.held_by_org[school.id] == 2  # the third waits, though 18 seats are free
    assert count.free == 18


def test_the_sessions_own_caps_win_over_the_default(make, admin, school, crase):
    school.default_seat_cap = 2
    other_group = make.group("Grace Community Church", default_seat_cap=4)
    plain = coming(make, crase)
    capped = coming(make, crase, group_seat_cap=5)
    make.db.commit()

    assert enrollment_queries.count_seats(plain).cap_for(school) == 2
    assert enrollment_queries.count_seats(plain).cap_for(other_group) == 4
    # The session's cap for every group wins over each group's default...
    assert enrollment_queries.count_seats(capped).cap_for(school) == 5
    # ...and the session's cap for this group wins over both.
    set_seat_cap(capped.id, school, admin, 8)
    make.db.commit()
    assert enrollment_queries.count_seats(capped).cap_for(school) == 8
    assert enrollment_queries.count_seats(capped).cap_for(other_group) == 5


def test_agencies_and_public_registrants_have_no_default_cap(make, department, crase):
    department.default_seat_cap = None
    public = make.group("Public registrants", slug="public-registrants", default_seat_cap=1)
    session = coming(make, crase)
    count = enrollment_queries.count_seats(session)
    assert count.cap_for(department) is None
    assert count.cap_for(public) is None

"""The catalog and session pages show what the database holds."""

from datetime import date

from lms.models import Role
from tests.support import DENVER


def test_anonymous_visitors_see_only_public_courses(client, make):
    make.course("CRASE", title="CRASE: Avoid, Deny, Defend", is_public=True)
    make.course("ALERRT-REFRESH", title="ALERRT Refresher")
    page = client.get("/training/courses/").get_data(as_text=True)
    assert "CRASE: Avoid, Deny, Defend" in page
    assert "ALERRT Refresher" not in page
    assert client.get("/training/courses/ALERRT-REFRESH").status_code == 404


def test_signed_in_officer_sees_every_course_with_its_facts(client, make, sign_in):
    track = make.track("ALERRT", name="ALERRT active-threat response", validity_months=12)
    make.course("ALERRT-REFRESH", title="ALERRT Refresher", grants_track=track)
    sign_in(make.person(Role.OFFICER))
    page = client.get("/training/courses/ALERRT-REFRESH").get_data(as_text=True)
    assert "ALERRT Refresher" in page
    assert "ALERRT active-threat response, valid 12 months" in page


def test_session_times_show_in_local_time_across_dst(client, make, sign_in):
    # 2027-03-14 is the first Sunday after clocks go forward in Denver (MDT, UTC-6);
    # 2027-03-13 is still MST (UTC-7). Both meetings start at 8:00 AM local.
    course = make.course("CRASE", title="CRASE", is_public=True)
    session = make.session(course, start=date(2027, 3, 13), days=2, hours=(8, 12), is_public=True)
    starts = [m.starts_at for m in session.meetings]
    assert [s.hour for s in starts] == [15, 14]  # UTC hours differ by the DST shift
    assert all(s.astimezone(DENVER).hour == 8 for s in starts)
    page = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
    assert "Sat 13 Mar 2027, 8:00 AM MST" in page
    assert "Sun 14 Mar 2027, 8:00 AM MDT" in page


def test_session_list_shows_seats_left(client, make, sign_in):
    session = make.session(capacity=3)
    for _ in range(2):
        make.enrollment(session, make.person(Role.OFFICER))
    sign_in(make.person(Role.OFFICER))
    page = client.get("/training/sessions/").get_data(as_text=True)
    assert "1 of 3 seats left" in page


def test_unknown_pages_get_a_plain_404(client):
    response = client.get("/training/sessions/999999")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Not found" in body and "Traceback" not in body

"""What officers and coordinators read on the status pages and the dashboard."""

from datetime import timedelta

from lms.formatting import format_local_date
from tests.rosters.helpers import signed_in_client, visible


def test_the_dashboard_answers_am_i_current_and_when_am_i_due(client, make, sign_in, program):
    today = program.today
    officer = program.officer("Ofc. Sofia Rivera")
    program.certify(officer, program.alerrt, expires_on=today + timedelta(days=45))
    in_time = program.future_session(in_days=20, location="MPD Training Center")
    program.future_session(in_days=90)  # finishes after the due date: not offered
    sign_in(officer)

    response = client.get("/training/")
    page = visible(response)
    due = format_local_date(today + timedelta(days=45))
    assert f"ALERRT active-threat response Due soon Renew before {due} 45 days left" in page
    assert page.index("Your certification status") < page.index("Your coming sessions")
    offered = format_local_date(today + timedelta(days=20))
    assert f"Open sessions that finish before {due}: ALERRT-REFRESH, {offered}" in page
    html = response.get_data(as_text=True)
    assert f'href="/training/sessions/{in_time.id}"' in html
    assert f'href="/training/sessions/{in_time.id}#enroll"' in html  # one click to enrolling
    assert f"Enroll in ALERRT-REFRESH on {offered}" in page


def test_a_lapsed_officer_is_told_so_and_where_to_recertify(client, make, sign_in, program):
    officer = program.officer()
    program.certify(officer, program.alerrt, expires_on=program.today - timedelta(days=3))
    program.future_session(in_days=10)
    sign_in(officer)
    page = visible(client.get("/training/"))
    expired = format_local_date(program.today - timedelta(days=3))
    assert f"ALERRT active-threat response Expired Expired {expired}" in page
    assert "Earn it by completing ALERRT-REFRESH" in page


def test_an_offered_session_says_how_many_days_and_free_seats(client, make, sign_in, program):
    officer = program.officer()
    program.certify(officer, program.alerrt, expires_on=program.today - timedelta(days=3))
    two_days = program.future_session(in_days=10, days=2, capacity=6)
    program.enroll(two_days, *program.officers("Ofc. A", "Ofc. B"))
    program.future_session(in_days=15, capacity=4)
    sign_in(officer)
    page = visible(client.get("/training/status/"))
    first = format_local_date(program.today + timedelta(days=10))
    second = format_local_date(program.today + timedelta(days=15))
    assert f"ALERRT-REFRESH, {first} (2 days) · 4 seats left · Enroll" in page
    assert f"ALERRT-REFRESH, {second} · 4 seats left · Enroll" in page


def test_an_officer_enrolled_in_a_refresher_sees_it_instead_of_offers(
    client, make, sign_in, program
):
    officer = program.officer()
    program.certify(officer, program.alerrt, expires_on=program.today + timedelta(days=30))
    session = program.future_session(in_days=12)
    program.enroll(session, officer)
    sign_in(officer)
    page = visible(client.get("/training/"))
    when = format_local_date(program.today + timedelta(days=12))
    assert f"Enrolled in ALERRT Active-Shooter Response Refresher, {when}" in page
    assert "Open sessions that finish before" not in page


def test_an_instructor_sees_both_tracks_and_how_teaching_renews(client, make, sign_in, program):
    instructor = program.instructor(qualified_until=program.today + timedelta(days=100))
    program.certify(instructor, program.alerrt, expires_on=program.today + timedelta(days=300))
    sign_in(instructor)
    page = visible(client.get("/training/"))
    assert "ALERRT active-threat response Current" in page
    assert "ALERRT instructor Due soon" in page
    assert (
        "Renew by completing ALERRT-INSTR, or by teaching a session of ALERRT-REFRESH inside the "
        "renewal window." in page
    )


def test_history_lists_every_cycle(client, make, sign_in, program):
    officer = program.officer()
    first = program.certify(officer, program.alerrt, expires_on=program.today - timedelta(days=400))
    program.certify(officer, program.alerrt, expires_on=program.today + timedelta(days=200))
    sign_in(officer)
    page = visible(client.get("/training/status/"))
    assert "Your certifications" in page
    assert page.count("ALERRT active-threat response") >= 3  # status row + two cycles
    assert "2 " in page and f"{format_local_date(first.expires_on)} Imported Ended" in page
    assert "In force" in page


def test_who_may_see_a_persons_status(app, make, program):
    fire = make.organization("Missoula Fire Department", slug="mfd")
    firefighter = program.officer("FF Daniel Kim", organization=fire)
    url = f"/training/status/people/{firefighter.id}"
    allowed = [program.coordinator(), program.coordinator(fire, scoped=True), firefighter]
    refused = [program.coordinator(program.department, scoped=True), program.officer()]
    for person in allowed:
        response = signed_in_client(app, make, person).get(url)
        assert response.status_code == 200, person.full_name
        assert "Certifications of FF Daniel Kim" in visible(response) or person is firefighter
    for person in refused:
        assert signed_in_client(app, make, person).get(url).status_code == 404
    assert (
        signed_in_client(app, make, allowed[0]).get("/training/status/people/999999").status_code
        == 404
    )

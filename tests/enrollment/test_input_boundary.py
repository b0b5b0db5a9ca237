"""Names and text typed by the public, group coordinators and staff pass one boundary;
and a coordinator's scope holds on every session page."""

from __future__ import annotations

from lms.models import AuditEvent, Enrollment, EnrollmentStatus, Person, Role

from .helpers import flash_text
from .test_roster_upload import upload


def test_public_registration_refuses_nul_and_spoofing_characters_and_saves_nothing(
    client, make, crase
):
    session = make.session(crase, capacity=12, is_public=True)
    url = f"/training/sessions/{session.id}/register"
    typed = {"email": "robin@example.test", "organization": "PTA"}
    nul = client.submit(url, {**typed, "full_name": "Robin\x00Parent"})
    assert "Remove the NUL character (U+0000) from this text." in flash_text(nul)
    spoof = client.submit(url, {**typed, "full_name": "Robin \u202etnerap"})
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in flash_text(spoof)
    assert "changes how the name reads" in flash_text(spoof)
    bad_org = client.submit(url, {**typed, "full_name": "Robin Parent", "organization": "P\x07TA"})
    assert "Remove the control character U+0007" in flash_text(bad_org)
    assert make.db.query(Person).filter_by(email="robin@example.test").count() == 0
    assert make.db.query(Enrollment).count() == 0


def test_a_roster_csv_line_with_a_spoofed_name_is_reported_by_line(
    client_for, make, crase, school, school_coordinator
):
    session = make.session(crase, capacity=30)
    client = client_for(school_coordinator)
    csv = "name,email\nAda Lane,ada@example.test\nBo\u202eb Ray,bob@example.test\n"
    text = flash_text(upload(client, school, session, csv.encode()))
    assert "Line 3" in text and "U+202E RIGHT-TO-LEFT OVERRIDE" in text
    assert make.db.query(Enrollment).count() == 0  # all or nothing


def test_a_scoped_coordinator_cannot_reach_another_agencys_session(client_for, make, department):
    """A fire-department coordinator saw police officers' names and emails, and could
    cancel their places as staff."""
    fire = make.organization("Missoula Fire Department")
    fire_coordinator = make.person(Role.COORDINATOR, organization=fire)
    session = make.session(make.course("ALERRT-REFRESH", organization=department), capacity=10)
    officer = make.person(Role.OFFICER, organization=department, name="Ofc. Sofia Rivera")
    place = make.enrollment(session, officer)
    client = client_for(fire_coordinator)

    roster = client.get(f"/training/sessions/{session.id}/enrollments")
    assert roster.status_code == 403
    assert "Sofia Rivera" not in roster.get_data(as_text=True)
    cancel = client.submit(
        f"/training/enrollments/{place.id}/cancel",
        {"reason": "testing scope"},
        action=f"/training/enrollments/{place.id}/cancel",
    )
    assert cancel.status_code == 404
    make.db.expire_all()
    assert place.status is EnrollmentStatus.ENROLLED
    assert make.db.query(AuditEvent).filter_by(action="enrollment.cancelled").count() == 0

    police_coordinator = make.person(Role.COORDINATOR, organization=department)
    assert (
        client_for(police_coordinator)
        .get(f"/training/sessions/{session.id}/enrollments")
        .status_code
        == 200
    )

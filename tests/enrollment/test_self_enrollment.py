"""An officer enrolls, sees their place or waitlist position, and cancels before the cut-off."""

from datetime import timedelta

from lms import signals
from lms.models import (
    Audience,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    OrganizationKind,
    Role,
    SessionStatus,
    utcnow,
)

from .helpers import audit_actions, captured, flash_text, starting_in, statuses


def enroll(client, session):
    page = f"/training/sessions/{session.id}"
    return client.submit(page, {}, action=f"{page}/enroll", follow_redirects=True)


def test_officer_enrolls_and_sees_their_seat(client, make, sign_in, refresher, department):
    session = make.session(refresher, capacity=5, location="MPD Training Center")
    officer = make.person(Role.OFFICER, organization=department, name="Ofc. Sofia Rivera")
    sign_in(officer)

    page = client.get(f"/training/sessions/{session.id}").get_data(as_text=True)
    assert ">Enroll<" in page or 'value="Enroll"' in page

    with captured(signals.enrollment_created) as sent:
        response = enroll(client, session)
    text = flash_text(response)
    assert "You are enrolled in ALERRT Refresher." in text
    assert "You have a seat in this session." in text
    assert "4 of 5 seats left" in text

    assert statuses(make.db, session) == {officer.id: EnrollmentStatus.ENROLLED}
    enrollment = make.db.query(Enrollment).one()
    assert enrollment.source is EnrollmentSource.SELF
    assert enrollment.enrolled_by_id == officer.id
    assert [kw["enrollment"] for kw in sent] == [enrollment.id]
    [event] = audit_actions(make.db, "enrollment.created")
    assert event.actor_id == officer.id
    assert event.object_id == str(enrollment.id)
    assert event.details["status"] == "enrolled"

    dashboard = flash_text(client.get("/training/"))
    assert "ALERRT Refresher" in dashboard and "Enrolled" in dashboard

    # One active place per person and session.
    assert "You are already enrolled in this session." in flash_text(enroll(client, session))
    assert make.db.query(Enrollment).filter_by(person_id=officer.id).count() == 1


def test_full_session_puts_the_officer_on_the_waitlist_in_order(client, make, sign_in, refresher):
    session = make.session(refresher, capacity=1)
    make.enrollment(session, make.person(Role.OFFICER))
    make.enrollment(session, make.person(Role.OFFICER), status=EnrollmentStatus.WAITLISTED)
    officer = make.person(Role.OFFICER)
    sign_in(officer)

    page = flash_text(client.get(f"/training/sessions/{session.id}"))
    assert "This session is full. Join the waitlist" in page

    text = flash_text(enroll(client, session))
    assert "The session is full: You are #2 on the waitlist for ALERRT Refresher." in text
    assert "You are #2 on the waitlist." in text
    assert statuses(make.db, session)[officer.id] is EnrollmentStatus.WAITLISTED

    assert "#2 on the waitlist" in flash_text(client.get("/training/"))
    assert "#2 on the waitlist" in flash_text(client.get("/training/my/enrollments"))


def test_enrollment_is_refused_with_the_reason(client, make, sign_in, refresher, school):
    officer = make.person(Role.OFFICER)
    sessions = {
        "This session is cancelled.": make.session(refresher, status=SessionStatus.CANCELLED),
        "This session has already started.": starting_in(make.db, make.session(refresher), -1),
        "Registration closed": make.session(
            refresher, registration_closes_at=utcnow() - timedelta(hours=1)
        ),
        "Registration opens": make.session(
            refresher, registration_opens_at=utcnow() + timedelta(days=2)
        ),
    }
    sign_in(officer)
    for reason, session in sessions.items():
        assert reason in flash_text(client.get(f"/training/sessions/{session.id}")), reason
        assert reason in flash_text(enroll(client, session)), reason
    assert make.db.query(Enrollment).count() == 0


def test_each_course_is_for_its_audience(client, client_for, make, refresher, crase, school):
    """Officer courses: officers, instructors, partner-agency staff; community courses: the rest."""
    officer_session = make.session(refresher, capacity=5)
    crase_session = make.session(crase, capacity=5, is_public=True)
    staff_course = make.course("SCHOOL-STAFF", title="School staff", audience=Audience.SCHOOL_STAFF)
    staff_session = make.session(staff_course, capacity=5)
    fire = make.organization("Missoula Fire", kind=OrganizationKind.PARTNER_AGENCY)
    teacher = client_for(make.person(Role.PARTICIPANT, organization=school))
    officer = client_for(make.person(Role.OFFICER))
    medic = client_for(make.person(Role.PARTICIPANT, organization=fire))

    refused = "ALERRT-REFRESH is for sworn officers and partner-agency staff"
    assert refused in flash_text(teacher.get(f"/training/sessions/{officer_session.id}"))
    assert refused in flash_text(enroll(teacher, officer_session))
    assert "CRASE is for community members" in flash_text(enroll(officer, crase_session))
    assert make.db.query(Enrollment).count() == 0

    assert "You are enrolled in ALERRT Refresher." in flash_text(enroll(medic, officer_session))
    assert "You are enrolled in School staff." in flash_text(enroll(teacher, staff_session))
    assert "You are enrolled in CRASE" in flash_text(enroll(teacher, crase_session))
    assert make.db.query(Enrollment).count() == 3


def test_cancelling_before_the_cutoff_keeps_the_record_and_promotes_the_waitlist(
    client, client_for, make, sign_in, refresher
):
    session = make.session(refresher, capacity=1)
    officer = make.person(Role.OFFICER)
    mine = make.enrollment(session, officer)
    first = make.enrollment(
        session, make.person(Role.OFFICER, name="First Waiting"), status=EnrollmentStatus.WAITLISTED
    )
    second = make.enrollment(session, make.person(Role.OFFICER), status=EnrollmentStatus.WAITLISTED)
    sign_in(officer)

    page = flash_text(client.get("/training/"))
    assert "Cancel…" in page
    with (
        captured(signals.enrollment_cancelled) as cancelled,
        captured(signals.waitlist_promoted) as promoted,
    ):
        response = client.submit(
            f"/training/enrollments/{mine.id}/cancel",
            {"reason": "Court date"},
            follow_redirects=True,
        )
    assert "Your place in ALERRT Refresher is cancelled." in flash_text(response)

    make.db.expire_all()
    assert mine.status is EnrollmentStatus.CANCELLED  # kept, not deleted
    assert mine.cancelled_by_id == officer.id and mine.cancel_reason == "Court date"
    assert first.status is EnrollmentStatus.ENROLLED
    assert second.status is EnrollmentStatus.WAITLISTED
    assert [kw["enrollment"] for kw in cancelled] == [mine.id]
    assert [kw["enrollment"] for kw in promoted] == [first.id]
    [event] = audit_actions(make.db, "enrollment.promoted")
    assert event.object_id == str(first.id) and event.actor_id == officer.id
    assert audit_actions(make.db, "enrollment.cancelled")[0].details["reason"] == "Court date"
    # The one behind is now first in line.
    waiting = client_for(second.person)
    assert "#1 on the waitlist" in flash_text(waiting.get("/training/my/enrollments"))


def test_cancelling_after_the_cutoff_is_refused_with_the_deadline(
    app, client, make, sign_in, refresher
):
    session = starting_in(make.db, make.session(refresher, capacity=3), hours=10)
    officer = make.person(Role.OFFICER)
    mine = make.enrollment(session, officer)
    sign_in(officer)

    page = flash_text(client.get(f"/training/enrollments/{mine.id}/cancel"))
    assert "Cancellations closed" in page and "24 hours before the start" in page
    client.post(f"/training/enrollments/{mine.id}/cancel", data={})  # no token: refused anyway
    response = client.submit(
        f"/training/sessions/{session.id}", {}, action=f"/training/enrollments/{mine.id}/cancel"
    )
    assert "Cancellations closed" in flash_text(response)
    make.db.expire_all()
    assert mine.status is EnrollmentStatus.ENROLLED

    # Leaving the waitlist frees no seat: allowed inside the cut-off.
    waiting = make.enrollment(
        make.session(refresher, capacity=0), officer, status=EnrollmentStatus.WAITLISTED
    )
    starting_in(make.db, waiting.session, hours=2)
    assert client.submit(f"/training/enrollments/{waiting.id}/cancel", {}).status_code == 302

    app.config["LMS_CANCEL_CUTOFF_HOURS"] = 6
    response = client.submit(f"/training/enrollments/{mine.id}/cancel", {})
    assert response.status_code == 302
    make.db.expire_all()
    assert mine.status is EnrollmentStatus.CANCELLED
    assert waiting.status is EnrollmentStatus.CANCELLED


def test_nobody_else_can_see_or_cancel_my_place(client, make, sign_in, refresher):
    session = make.session(refresher)
    mine = make.enrollment(session, make.person(Role.OFFICER))
    sign_in(make.person(Role.OFFICER))
    assert client.get(f"/training/enrollments/{mine.id}/cancel").status_code == 404
    token = client.csrf_token("/training/")
    response = client.post(f"/training/enrollments/{mine.id}/cancel", data={"csrf_token": token})
    assert response.status_code == 404
    make.db.expire_all()
    assert mine.status is EnrollmentStatus.ENROLLED

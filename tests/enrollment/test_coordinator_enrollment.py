"""Prerequisites, and what training coordinators may do beyond the rules (with a reason)."""

from datetime import date, timedelta

import pytest

from lms.models import Enrollment, EnrollmentSource, EnrollmentStatus, Role

from .helpers import audit_actions, flash_text, starting_in, statuses


@pytest.fixture
def alerrt(make):
    return make.track("ALERRT", name="ALERRT active-threat response", validity_months=12)


@pytest.fixture
def instructor_course(make, department, alerrt):
    return make.course(
        "ALERRT-INSTR", title="ALERRT Instructor", organization=department, prerequisites=[alerrt]
    )


@pytest.fixture
def staff(make, department):
    return make.person(Role.COORDINATOR, organization=department, name="Pat Coordinator")


def enroll_self(client, session):
    page = f"/training/sessions/{session.id}"
    return client.submit(page, {}, action=f"{page}/enroll", follow_redirects=True)


def coordinator_enroll(client, session, email, **reasons):
    page = f"/training/sessions/{session.id}/enrollments"
    return client.submit(page, {"email": email, **reasons}, action=f"{page}/add")


def test_the_instructor_course_needs_a_current_alerrt_certification(
    client, make, sign_in, instructor_course, alerrt, department
):
    session = make.session(instructor_course, capacity=4)
    officer = make.person(Role.OFFICER, organization=department, name="Ofc. Nguyen")
    sign_in(officer)
    reason = "ALERRT-INSTR requires a current ALERRT active-threat response certification"

    text = flash_text(client.get(f"/training/sessions/{session.id}"))
    assert f"{reason}; Ofc. Nguyen has none on record." in text
    assert f"{reason}; Ofc. Nguyen has none on record." in flash_text(enroll_self(client, session))

    make.certification(officer, alerrt, granted_on=date.today() - timedelta(days=500))
    assert "Ofc. Nguyen's expired on" in flash_text(enroll_self(client, session))
    assert make.db.query(Enrollment).count() == 0

    make.certification(officer, alerrt, granted_on=date.today() - timedelta(days=30))
    assert "You are enrolled in ALERRT Instructor." in flash_text(enroll_self(client, session))


def test_a_coordinator_overrides_a_prerequisite_only_with_a_reason(
    client, make, sign_in, instructor_course, staff
):
    session = make.session(instructor_course, capacity=4)
    officer = make.person(Role.OFFICER, organization=staff.organization, email="o@mpd.test")
    sign_in(staff)

    response = coordinator_enroll(client, session, "o@mpd.test")
    assert response.status_code == 400
    assert "Give a reason to override the prerequisite." in flash_text(response)
    assert make.db.query(Enrollment).count() == 0

    response = coordinator_enroll(
        client, session, "o@mpd.test", prerequisite_override_reason="Certificate in the mail"
    )
    assert response.status_code == 302
    enrollment = make.db.query(Enrollment).one()
    assert enrollment.person_id == officer.id
    assert enrollment.source is EnrollmentSource.COORDINATOR
    assert enrollment.prerequisite_override_reason == "Certificate in the mail"
    [event] = audit_actions(make.db, "enrollment.created")
    assert event.actor_id == staff.id
    assert event.details["prerequisite_override_reason"] == "Certificate in the mail"
    page = flash_text(client.get(f"/training/sessions/{session.id}/enrollments"))
    assert "Prerequisite overridden: Certificate in the mail" in page


def test_a_coordinator_over_enrolls_deliberately_and_it_is_audited(
    client, make, sign_in, refresher, staff
):
    session = make.session(refresher, capacity=1)
    make.enrollment(session, make.person(Role.OFFICER))
    late = make.person(Role.OFFICER, organization=staff.organization, email="late@mpd.test")
    sign_in(staff)

    coordinator_enroll(
        client, session, "late@mpd.test", over_enrollment_reason="SWAT team lead, must attend"
    )
    assert statuses(make.db, session)[late.id] is EnrollmentStatus.ENROLLED
    [event] = audit_actions(make.db, "enrollment.created")
    assert event.details["over_enrollment_reason"] == "SWAT team lead, must attend"
    text = flash_text(client.get(f"/training/sessions/{session.id}/enrollments"))
    assert "2 of 1 held" in text and "(over-enrolled)" in text
    assert "Over-enrolled: SWAT team lead, must attend" in text

    # Without a reason a full session means the waitlist, even for a coordinator.
    make.person(Role.OFFICER, organization=staff.organization, email="next@mpd.test")
    response = coordinator_enroll(client, session, "next@mpd.test")
    assert "is #1 on the waitlist" in flash_text(client.get(response.headers["Location"]))


def test_coordinators_enroll_outside_the_audience_and_it_is_audited(
    client, client_for, make, sign_in, refresher, staff, school
):
    session = make.session(refresher, capacity=5)
    make.person(Role.PARTICIPANT, organization=school, email="teacher@bigsky.test")
    sign_in(staff)  # scoped to the department: the school's people are not theirs
    response = coordinator_enroll(client, session, "teacher@bigsky.test")
    assert "No one with that email among the people you manage." in flash_text(response)
    assert make.db.query(Enrollment).count() == 0

    admin = client_for(make.person(Role.ADMIN))
    coordinator_enroll(admin, session, "teacher@bigsky.test")
    [event] = audit_actions(make.db, "enrollment.created")
    assert "is for sworn officers" in event.details["audience_override"]


def test_only_staff_and_the_sessions_instructors_see_its_enrollments(
    client, client_for, make, sign_in, refresher
):
    instructor = make.person(Role.INSTRUCTOR)
    session = make.session(refresher, capacity=5, lead=instructor)
    make.enrollment(session, make.person(Role.OFFICER, name="Ofc. Enrolled"))
    page = f"/training/sessions/{session.id}/enrollments"

    sign_in(make.person(Role.OFFICER))
    assert client.get(page).status_code == 403

    teacher = client_for(instructor)
    assert "Ofc. Enrolled" in flash_text(teacher.get(page))
    token = teacher.csrf_token(page)
    response = teacher.post(f"{page}/add", data={"csrf_token": token, "email": "x@y.test"})
    assert response.status_code == 403


def test_the_sessions_instructor_is_not_offered_a_place_in_it(client_for, make, refresher):
    """Their session page says they teach it, not that they "cannot enroll" in a started class."""
    instructor = make.person(Role.INSTRUCTOR)
    session = starting_in(make.db, make.session(refresher, capacity=5, lead=instructor), -1)
    text = flash_text(client_for(instructor).get(f"/training/sessions/{session.id}"))
    assert "You teach this session." in text
    assert "cannot enroll" not in text and "Join the waitlist" not in text

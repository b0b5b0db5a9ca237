"""A cycle's dates count from the cycle before it: when that one goes, or a roster is
finalized late, the later cycles are planned again, in the open, never edited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.dates import add_months
from lms.models import AuditEvent, Certification, InstructorRole, SessionInstructor, utcnow
from lms.status import operations as status_operations
from lms.status.queries import track_status
from tests.status.program import last_day

from .helpers import correct, finalize, mark_attendance, roster_url, visible


def cycles_of(make, person, track):
    return make.db.scalars(
        select(Certification)
        .where(Certification.person_id == person.id, Certification.track_id == track.id)
        .order_by(Certification.cycle)
    ).all()


def taught(client, program, lead, days_ago, *people):
    """A refresher ``days_ago`` days back, everyone present, finalized by ``lead`` (signed in)."""
    session = program.past_session(lead=lead, days_ago=days_ago)
    enrollments = program.enroll(session, *people)
    mark_attendance(client, session, session.meetings[0], enrollments)
    assert finalize(client, session).status_code == 302
    return session, enrollments


def test_revoking_a_completion_plans_the_renewal_that_counted_from_it_again(
    client, make, sign_in, program
):
    lead = program.instructor("Sgt. Erin Hayes")
    sign_in(lead)
    rivera = program.officer("Ofc. Sofia Rivera")
    first, (first_place,) = taught(client, program, lead, 300, rivera)
    second, _ = taught(client, program, lead, 2, rivera)
    one, two = cycles_of(make, rivera, program.alerrt)
    # The refresher inside the renewal window extended from the first expiry.
    assert two.valid_from == one.expires_on == add_months(last_day(first), 12)

    response = correct(
        client, first, first_place, {"present_meetings": [], "reason": "Signed in for a colleague"}
    )
    assert response.status_code == 302

    make.db.expire_all()
    one, two, three = cycles_of(make, rivera, program.alerrt)
    assert one.is_revoked and two.is_revoked and not three.is_revoked
    assert two.revoke_reason == "Planned again: cycle 1 it counted from was revoked."
    # Without the first cycle the second refresher certifies her from its own day.
    assert (three.valid_from, three.expires_on) == (
        last_day(second),
        add_months(last_day(second), 12),
    )
    assert three.completion_id == two.completion_id and three.previous_id is None
    assert track_status(rivera.id, program.alerrt).expires_on == three.expires_on

    page = visible(client.get(roster_url(first)))
    assert "Revoked ALERRT active-threat response cycle 1 of Ofc. Sofia Rivera" in page
    assert "Planned again: cycle 1 it counted from was revoked." in page
    assert (
        f"Granted ALERRT active-threat response cycle 3: valid "
        f"{three.valid_from:%d %b %Y} to {three.expires_on:%d %b %Y}." in page
    )
    actions = [
        (e.action, e.object_id)
        for e in make.db.scalars(select(AuditEvent).order_by(AuditEvent.id))
        if e.action.startswith("certification.")
    ][-3:]
    assert actions == [
        ("certification.revoked", str(one.id)),
        ("certification.revoked", str(two.id)),
        ("certification.granted", str(three.id)),
    ]


def test_a_roster_finalized_late_plans_the_later_cycles_again(client, make, sign_in, program):
    lead = program.instructor("Sgt. Erin Hayes")
    sign_in(lead)
    shah = program.officer("Ofc. Priya Shah")
    older = program.past_session(lead=lead, days_ago=300)
    (older_place,) = program.enroll(older, shah)
    taught(client, program, lead, 2, shah)  # finalized first
    (only,) = cycles_of(make, shah, program.alerrt)
    assert only.valid_from == last_day(make.db.merge(only).completion.session)  # from its own day

    mark_attendance(client, older, older.meetings[0], [older_place])
    response = finalize(client, older)
    assert response.status_code == 302

    make.db.expire_all()
    recent, early, replanned = cycles_of(make, shah, program.alerrt)
    assert early.granted_on == last_day(older) and not early.is_revoked
    assert recent.is_revoked
    assert recent.revoke_reason == (
        f"Planned again: cycle 2, granted on {early.granted_on.isoformat()}, came before it."
    )
    # The recent refresher fell in the older cycle's renewal window: it extends from it.
    assert (replanned.valid_from, replanned.expires_on) == (
        early.expires_on,
        add_months(early.expires_on, 12),
    )
    assert replanned.previous_id == early.id
    page = visible(client.get(roster_url(older)))
    assert "Revoked ALERRT active-threat response cycle 1 of Ofc. Priya Shah" in page


def test_a_later_cycle_whose_dates_still_hold_is_left_alone(client, make, sign_in, program):
    # Qualified to lead from 900 days ago until 195 days ahead (one 36-month cycle).
    lead = program.instructor("Sgt. Erin Hayes", qualified_until=program.today + timedelta(195))
    sign_in(lead)
    diaz = program.officer("Ofc. Mateo Diaz")
    first, (first_place,) = taught(client, program, lead, 800, diaz)
    taught(client, program, lead, 2, diaz)  # long after the first lapsed
    correct(client, first, first_place, {"present_meetings": [], "reason": "Was on leave that day"})

    make.db.expire_all()
    one, two = cycles_of(make, diaz, program.alerrt)
    assert one.is_revoked and not two.is_revoked
    assert not make.db.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "certification.revoked", AuditEvent.object_id == str(two.id)
        )
    ).all()


def test_a_teaching_renewal_without_its_basis_is_revoked_with_the_reason(make, program):
    """Teaching renews only a current certification: if that goes, so does the renewal."""
    instructor = program.instructor("Sgt. Dana Cole", qualified_until=False)
    course = program.past_session(program.instructor_course, days_ago=1150)
    (place,) = program.enroll(course, instructor)
    completion = make.completion(place, completed_on=program.today - timedelta(days=1150))
    status_operations.grant_for_completions([completion], None)
    (earned,) = cycles_of(make, instructor, program.instructor_track)
    # Teaching a refresher inside the instructor certification's renewal window.
    day = earned.expires_on - timedelta(days=30)
    session = program.past_session(days_ago=(program.today - day).days)
    session.instructors.append(SessionInstructor(person=instructor, role=InstructorRole.LEAD))
    make.db.flush()
    report = status_operations.renew_for_teaching(session, day, None)
    (renewal,) = report.granted
    assert renewal.valid_from == earned.expires_on
    make.db.commit()
    assert track_status(instructor.id, program.instructor_track).is_current

    completion.revoked_at = utcnow()  # the completion is withdrawn, as a correction does
    report = status_operations.revoke_cycles_of(completion, "Teach-back score misread", None)
    make.db.commit()

    assert [c.id for c in report.revoked] == [earned.id, renewal.id]
    assert report.granted == []
    (note,) = report.notes
    assert note.startswith("Sgt. Dana Cole, ALERRT instructor (cycle 2): ")
    assert not track_status(instructor.id, program.instructor_track).is_current
    assert renewal.revoke_reason == "Planned again: cycle 1 it counted from was revoked."

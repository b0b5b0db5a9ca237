"""Finalizing grants and renews certification cycles: by completing, and by teaching."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from lms.dates import add_months
from lms.formatting import format_local_date
from lms.models import Certification, CertificationSource, EnrollmentStatus
from lms.rosters import marks, operations
from lms.status.qualification import lead_problem
from lms.status.queries import CertificationState, track_status
from tests.status.program import last_day

from .helpers import finalize, mark_attendance, record_results, signed_in_client, visible


def cycles(db, person, track):
    return db.scalars(
        select(Certification)
        .where(Certification.person_id == person.id, Certification.track_id == track.id)
        .order_by(Certification.cycle)
    ).all()


def test_renewal_inside_and_outside_the_window_through_a_finalized_roster(
    app, client, make, sign_in, program
):
    lead = program.instructor()
    session = program.past_session(days_ago=5, lead=lead)
    day = last_day(session)
    inside, early, lapsed, new = program.officers(
        "Ofc. Inside", "Ofc. Early", "Ofc. Lapsed", "Ofc. New"
    )
    program.certify(inside, program.alerrt, expires_on=day + timedelta(days=30))
    program.certify(early, program.alerrt, expires_on=day + timedelta(days=200))
    program.certify(lapsed, program.alerrt, expires_on=day - timedelta(days=10))
    program.enroll(session, inside, early, lapsed, new)
    sign_in(lead)
    mark_attendance(client, session, session.meetings[0], everyone=True)
    assert finalize(client, session).status_code == 302

    track = program.alerrt
    renewed = cycles(make.db, inside, track)[-1]
    assert (renewed.cycle, renewed.granted_on, renewed.valid_from) == (
        2,
        day,
        day + timedelta(days=30),
    )
    assert renewed.expires_on == add_months(day + timedelta(days=30), 12)
    assert renewed.previous_id == cycles(make.db, inside, track)[0].id
    assert renewed.source is CertificationSource.COMPLETION
    for person in (early, lapsed, new):
        latest = cycles(make.db, person, track)[-1]
        assert (latest.valid_from, latest.expires_on) == (day, add_months(day, 12)), (
            person.full_name
        )
    assert [len(cycles(make.db, p, track)) for p in (inside, early, lapsed, new)] == [2, 2, 2, 1]
    # The earlier cycles are untouched history.
    assert cycles(make.db, early, track)[0].expires_on == day + timedelta(days=200)
    assert track_status(inside.id, track).state is CertificationState.CURRENT
    # The officer's history says how each cycle was earned, the renewal first.
    officer_view = signed_in_client(app, make, inside)
    history = visible(officer_view.get("/training/status/")).split("History", 1)[1]
    completed = f"{format_local_date(renewed.expires_on)} Completed ALERRT-REFRESH, "
    assert completed + f"{format_local_date(day)} Starts" in history
    assert history.index("Completed ALERRT-REFRESH") < history.index("Imported")


def test_teaching_a_session_renews_an_instructor_inside_the_window_only(
    client, make, sign_in, program
):
    today = program.today
    due = program.instructor("Sgt. Due", qualified_until=today + timedelta(days=60))
    not_yet = program.instructor("Cpl. Not Yet", qualified_until=today + timedelta(days=400))
    session = program.past_session(days_ago=3, lead=due, assistants=[not_yet])
    day = last_day(session)
    program.enroll(session, program.officer())
    sign_in(due)
    mark_attendance(client, session, session.meetings[0], everyone=True)
    response = finalize(client, session)
    page = visible(client.get(response.headers["Location"]))
    assert "2 certification cycles granted." in page  # the officer's and Sgt. Due's
    opens = (today + timedelta(days=400) - timedelta(days=180)).isoformat()
    assert (
        f"No new cycle for Cpl. Not Yet, ALERRT instructor: the renewal window opens on {opens}."
        in page
    )

    renewed = cycles(make.db, due, program.instructor_track)[-1]
    assert renewed.source is CertificationSource.TEACHING
    assert renewed.taught_session_id == session.id and renewed.granted_on == day
    assert renewed.valid_from == today + timedelta(days=60)
    assert renewed.expires_on == add_months(today + timedelta(days=60), 36)
    assert len(cycles(make.db, not_yet, program.instructor_track)) == 1
    history = visible(client.get("/training/status/"))
    assert "Taught ALERRT-REFRESH" in history


def test_teaching_an_empty_room_renews_nothing(app, make, program):
    due = program.instructor(qualified_until=program.today + timedelta(days=30))
    session = program.past_session(lead=due)
    (enrollment,) = program.enroll(session, program.officer())
    marks.record_attendance(session.id, session.meetings[0].id, [], due)
    report = operations.finalize_roster(session.id, due)
    assert report.teaching.granted == [] and len(report.not_completed) == 1
    assert len(cycles(make.db, due, program.instructor_track)) == 1


def test_instructor_certification_by_teach_back_needs_the_prerequisite(
    client, make, sign_in, program
):
    lead = program.instructor("Sgt. Erin Hayes")
    session = program.past_session(program.instructor_course, days_ago=4, days=2, lead=lead)
    day = last_day(session)
    nguyen, stone = program.officers("Ofc. Minh Nguyen", "Ofc. Rachel Stone")
    program.certify(nguyen, program.alerrt, expires_on=day + timedelta(days=200))
    program.certify(stone, program.alerrt, expires_on=day - timedelta(days=1))  # lapsed
    e_nguyen, e_stone = program.enroll(session, nguyen, stone)
    sign_in(lead)
    for meeting in session.meetings:
        mark_attendance(client, session, meeting, everyone=True)
    record_results(
        client, session, [(e_nguyen, {"teach_back": "88"}), (e_stone, {"teach_back": "97"})]
    )
    page = visible(client.get(f"/training/rosters/{session.id}"))
    assert "Instructor teach-back (score and prerequisite) · Pass mark (0–100): 85" in page
    assert "Will not complete does not hold a current prerequisite certification" in page
    finalize(client, session)

    make.db.refresh(e_nguyen)
    make.db.refresh(e_stone)
    assert (e_nguyen.status, e_stone.status) == (
        EnrollmentStatus.COMPLETED,
        EnrollmentStatus.FAILED,
    )
    (granted,) = cycles(make.db, nguyen, program.instructor_track)
    assert (granted.valid_from, granted.expires_on) == (day, add_months(day, 36))
    assert granted.completion.credit_hours == Decimal("24.00")
    assert cycles(make.db, stone, program.instructor_track) == []
    # Now qualified: Nguyen may lead a refresher, Stone may not.
    assert lead_problem(nguyen, program.refresher) is None
    assert lead_problem(stone, program.refresher).startswith(
        "Ofc. Rachel Stone does not hold the ALERRT instructor"
    )


def test_only_current_instructors_may_lead_a_course_that_requires_one(app, make, program):
    current = program.instructor("Sgt. Current")
    due_soon = program.instructor(
        "Sgt. Due Soon", qualified_until=program.today + timedelta(days=10)
    )
    expired = program.instructor("Sgt. Expired", qualified_until=program.today)
    never = program.instructor("Ofc. Never", qualified_until=False)
    assert lead_problem(current, program.refresher) is None
    assert lead_problem(due_soon, program.refresher) is None
    assert lead_problem(expired, program.refresher) == (
        f"Sgt. Expired's ALERRT instructor certification expired on {program.today.isoformat()}; "
        "a current one is required to lead ALERRT-REFRESH."
    )
    assert "does not hold the ALERRT instructor" in lead_problem(never, program.refresher)
    # A civilian class names no instructor track: anyone may lead it.
    assert lead_problem(never, program.crase) is None

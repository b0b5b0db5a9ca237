"""An instructor takes attendance, records results and finalizes; what everyone then sees."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms import signals
from lms.app import db
from lms.models import (
    AttendanceRecord,
    AuditEvent,
    Certification,
    CertificationSource,
    Completion,
    EnrollmentStatus,
    EvaluationResult,
    Role,
    SessionStatus,
)
from lms.rosters import marks, operations
from tests.status.program import counting_queries

from .helpers import (
    TOKEN_PAGE,
    finalize,
    mark_attendance,
    record_results,
    roster_url,
    signed_in_client,
    text,
    visible,
)


@pytest.fixture
def received():
    """Every roster signal sent during the test: name -> [{kwarg: (type, id, person_id)}]."""
    got = defaultdict(list)
    handlers = []
    names = ("attendance_recorded", "roster_finalized", "course_completed", "certification_granted")
    for name in names:

        def handler(sender, _name=name, **kwargs):
            got[_name].append(
                {
                    key: (type(value).__name__, value.id, getattr(value, "person_id", None))
                    for key, value in kwargs.items()
                    if value is not None
                }
            )

        getattr(signals, name).connect(handler)
        handlers.append((getattr(signals, name), handler))
    yield got
    for signal, handler in handlers:
        signal.disconnect(handler)


def count(db, model, **where):
    return db.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_instructor_marks_everyone_present_and_finalizes(client, make, sign_in, program, received):
    lead = program.instructor("Sgt. Erin Hayes")
    session = program.past_session(days_ago=3, days=2, lead=lead)
    alice, ben = program.officers("Ofc. Alice Avery", "Ofc. Ben Brook")
    e_alice, e_ben = program.enroll(session, alice, ben)
    sign_in(lead)

    page = text(client.get(roster_url(session)))
    assert "Roster: ALERRT Active-Shooter Response Refresher" in page
    assert "Not marked" in page and "Present</span>" not in page

    for meeting in session.meetings:
        response = mark_attendance(client, session, meeting, everyone=True)
        assert response.status_code == 302
    page = text(client.get(roster_url(session)))
    assert "Attendance saved: 2 present, 0 absent." in page
    assert page.count("Will complete") == 2
    make.db.refresh(e_alice)
    assert e_alice.status is EnrollmentStatus.ATTENDED
    assert len(received["attendance_recorded"]) == 2

    response = finalize(client, session)
    assert response.status_code == 302
    page = text(client.get(roster_url(session)))
    assert (
        "Roster finalized: 2 completed, 0 did not complete. 2 certification cycles granted." in page
    )
    assert "Finalized" in page and "8 h" in page

    completions = make.db.scalars(select(Completion).order_by(Completion.person_id)).all()
    assert [(c.person_id, c.credit_hours, c.rule_key) for c in completions] == [
        (alice.id, Decimal("8.00"), "attendance"),
        (ben.id, Decimal("8.00"), "attendance"),
    ]
    for enrollment in (e_alice, e_ben):
        make.db.refresh(enrollment)
        assert enrollment.status is EnrollmentStatus.COMPLETED
    make.db.refresh(session)
    assert session.status is SessionStatus.COMPLETED
    assert session.roster_finalized_by_id == lead.id
    cycles = make.db.scalars(select(Certification).where(Certification.person_id == alice.id)).all()
    assert [(c.source, c.track_id, c.completion_id) for c in cycles] == [
        (CertificationSource.COMPLETION, program.alerrt.id, completions[0].id)
    ]
    assert len(received["roster_finalized"]) == 1
    assert sorted(c["completion"][2] for c in received["course_completed"]) == [alice.id, ben.id]
    assert len(received["certification_granted"]) == 2
    actions = make.db.scalars(select(AuditEvent.action)).all()
    assert actions.count("completion.recorded") == 2
    assert "roster.finalized" in actions and actions.count("roster.attendance_recorded") == 2


def test_results_decide_who_completes_and_why(client, make, sign_in, program):
    program.refresher.completion_rule = "attendance_written"
    program.refresher.completion_params = {"pass_score": 75}
    make.db.commit()
    lead = program.instructor()
    session = program.past_session(lead=lead)
    passes, fails, absent = program.officers("Ofc. A Pass", "Ofc. B Low", "Ofc. C Away")
    e_pass, e_low, e_away = program.enroll(session, passes, fails, absent)
    sign_in(lead)
    mark_attendance(client, session, session.meetings[0], [e_pass, e_low])
    response = record_results(
        client,
        session,
        [
            (e_pass, {"written": "75", "written_remarks": "Solid on room entry"}),
            (e_low, {"written": "74.5"}),
        ],
    )
    assert response.status_code == 302
    page = client.get(roster_url(session))
    assert "Will not complete written score 74.5 is below the pass mark of 75" in visible(page)
    assert "Will complete attended every meeting; written score 75" in visible(page)
    assert "Solid on room entry" in visible(page)

    assert finalize(client, session).status_code == 302
    statuses = {}
    for enrollment in (e_pass, e_low, e_away):
        make.db.refresh(enrollment)
        statuses[enrollment.person.full_name] = enrollment.status
    assert statuses == {
        "Ofc. A Pass": EnrollmentStatus.COMPLETED,
        "Ofc. B Low": EnrollmentStatus.FAILED,
        "Ofc. C Away": EnrollmentStatus.NO_SHOW,
    }
    assert count(make.db, Completion) == 1
    page = text(client.get(roster_url(session)))
    assert "1 completed, 2 did not complete" in page


def test_practical_rule_asks_for_pass_or_fail(client, make, sign_in, program):
    program.refresher.completion_rule = "attendance_practical"
    make.db.commit()
    lead = program.instructor()
    session = program.past_session(lead=lead)
    (enrollment,) = program.enroll(session, program.officer("Ofc. Dana Pike"))
    sign_in(lead)
    mark_attendance(client, session, session.meetings[0], everyone=True)
    page = text(client.get(roster_url(session)))
    assert "practical evaluation not recorded" in page
    record_results(client, session, [(enrollment, {"practical": "fail"})])
    assert "did not pass the practical evaluation" in text(client.get(roster_url(session)))
    record_results(client, session, [(enrollment, {"practical": "pass"})])
    finalize(client, session)
    make.db.refresh(enrollment)
    assert enrollment.status is EnrollmentStatus.COMPLETED


def test_a_score_outside_its_range_is_refused_and_nothing_is_saved(client, make, sign_in, program):
    program.refresher.completion_rule = "attendance_written"
    make.db.commit()
    lead = program.instructor()
    session = program.past_session(lead=lead)
    first, second = program.enroll(session, *program.officers("Ofc. A", "Ofc. B"))
    sign_in(lead)
    response = record_results(
        client, session, [(first, {"written": "88"}), (second, {"written": "105"})]
    )
    assert response.status_code == 400
    page = text(response)
    assert "Not saved." in page and "Scores are between 0 and 100." in page
    assert count(make.db, EvaluationResult) == 0
    assert text(record_results(client, session, [(first, {"written": "eighty"})])).count(
        "Not a valid decimal value"
    )
    assert count(make.db, EvaluationResult) == 0


def test_attendance_for_someone_not_enrolled_is_refused_naming_them(client, make, sign_in, program):
    lead = program.instructor()
    session = program.make.session(
        program.refresher, start=program.today - timedelta(days=2), capacity=1, lead=lead
    )
    (seated,) = program.enroll(session, program.officer("Ofc. Seated"))
    (waiting,) = program.enroll(
        session, program.officer("Ofc. Waiting"), status=EnrollmentStatus.WAITLISTED
    )
    other_session = program.past_session(lead=lead)
    (elsewhere,) = program.enroll(other_session, program.officer("Ofc. Elsewhere"))
    sign_in(lead)

    response = mark_attendance(client, session, session.meetings[0], [seated, waiting, elsewhere])
    assert response.status_code == 400
    page = text(response)
    assert "Not enrolled in this session" in page
    assert "Ofc. Waiting (waitlisted)" in page
    assert f"enrollment #{elsewhere.id}" in page
    assert count(make.db, AttendanceRecord) == 0
    make.db.refresh(seated)
    assert seated.status is EnrollmentStatus.ENROLLED


def test_attendance_waits_for_the_meeting_to_begin(client, make, sign_in, program):
    lead = program.instructor()
    session = program.future_session(lead=lead)
    program.enroll(session, program.officer())
    sign_in(lead)
    assert "Attendance can be taken once this meeting begins." in text(
        client.get(roster_url(session))
    )
    response = mark_attendance(client, session, session.meetings[0], everyone=True)
    assert response.status_code == 400
    assert "once it has begun" in text(response)
    assert count(make.db, AttendanceRecord) == 0
    assert "once the last meeting has begun" in text(finalize(client, session))


def test_finalizing_with_people_undecided_is_refused_and_nothing_saved(
    client, make, sign_in, program
):
    program.refresher.completion_rule = "attendance_practical"
    make.db.commit()
    lead = program.instructor()
    session = program.past_session(days_ago=3, days=2, lead=lead)
    done, half, untested = program.enroll(
        session, *program.officers("Ofc. Done", "Ofc. Halfway", "Ofc. Untested")
    )
    sign_in(lead)
    for meeting in session.meetings:
        mark_attendance(client, session, meeting, everyone=True)
    record_results(client, session, [(done, {"practical": "pass"}), (half, {"practical": ""})])

    response = finalize(client, session)
    assert response.status_code == 400
    page = text(response)
    assert "2 people have no result yet:" in page
    assert "Ofc. Halfway (practical evaluation not recorded)" in page
    assert "Ofc. Untested (practical evaluation not recorded)" in page
    make.db.refresh(session)
    assert session.roster_finalized_at is None
    assert count(make.db, Completion) == 0
    assert count(make.db, Certification) == 1  # the lead's own
    make.db.refresh(done)
    assert done.status is EnrollmentStatus.ATTENDED

    # A meeting left unmarked leaves its people undecided too.
    two_days = program.past_session(days_ago=3, days=2, lead=lead)
    program.enroll(two_days, program.officer("Ofc. Two Days"))
    mark_attendance(client, two_days, two_days.meetings[0], everyone=True)
    response = finalize(client, two_days)
    assert response.status_code == 400
    assert "Ofc. Two Days (attendance not marked for every meeting)" in text(response)


def test_a_roster_is_finalized_once_and_then_changes_only_by_correction(
    client, make, sign_in, program
):
    lead = program.instructor()
    session = program.past_session(lead=lead)
    (enrollment,) = program.enroll(session, program.officer())
    sign_in(lead)
    mark_attendance(client, session, session.meetings[0], everyone=True)
    finalize(client, session)
    again = finalize(client, session)
    assert again.status_code == 400 and "already finalized" in text(again)
    late = mark_attendance(client, session, session.meetings[0], [])
    assert late.status_code == 400
    assert "A change now is a correction" in text(late)
    assert count(make.db, Completion) == 1


def test_an_unqualified_lead_cannot_finalize(client, make, sign_in, program):
    lapsed = program.instructor("Sgt. Lapsed", qualified_until=date(2020, 6, 30))
    session = program.past_session(lead=lapsed)
    (enrollment,) = program.enroll(session, program.officer())
    sign_in(lapsed)
    mark_attendance(client, session, session.meetings[0], everyone=True)
    page = text(client.get(roster_url(session)))
    assert "Sgt. Lapsed&#39;s ALERRT instructor certification expired on 2020-06-30" in page
    assert "Finalize roster</button>" not in page

    response = finalize(client, session)
    assert response.status_code == 400
    assert "Only someone holding a current ALERRT instructor certification" in text(response)
    make.db.refresh(session)
    assert session.roster_finalized_at is None and count(make.db, Completion) == 0


def test_a_coordinator_finalizes_civilian_classes_but_not_an_alerrt_roster(
    client, make, sign_in, program
):
    coordinator = program.coordinator()
    lead = program.instructor()
    alerrt = program.past_session(lead=lead)
    crase = program.past_session(program.crase, lead=lead)
    program.enroll(alerrt, program.officer())
    member = make.person(Role.PARTICIPANT, organization=make.group("Grace Community Church"))
    program.enroll(crase, member)
    sign_in(coordinator)
    for session in (alerrt, crase):
        mark_attendance(client, session, session.meetings[0], everyone=True)
    refused = finalize(client, alerrt)
    assert refused.status_code == 400
    assert "does not hold the ALERRT instructor certification required to lead" in text(refused)
    assert finalize(client, crase).status_code == 302
    assert count(make.db, Completion, person_id=member.id) == 1


def test_people_who_do_not_keep_the_roster_cannot_see_or_change_it(app, make, program):
    lead = program.instructor()
    session = program.past_session(lead=lead)
    (enrollment,) = program.enroll(session, program.officer("Ofc. Enrolled"))
    partner = make.organization("Missoula Fire Department", slug="mfd")
    outsiders = [enrollment.person, program.instructor(), program.coordinator(partner, scoped=True)]
    attendance_url = f"/training/rosters/{session.id}/meetings/{session.meetings[0].id}/attendance"
    for person in outsiders:
        browser = signed_in_client(app, make, person)
        assert browser.get(roster_url(session)).status_code == 404
        token = browser.csrf_token(TOKEN_PAGE)
        response = browser.post(attendance_url, data={"csrf_token": token, "everyone": "x"})
        assert response.status_code == 404
    assert count(make.db, AttendanceRecord) == 0
    assert app.test_client().get(roster_url(session)).status_code == 302  # to sign in


def test_the_session_page_links_its_keepers_to_the_roster(client, make, sign_in, program):
    lead = program.instructor()
    session = program.past_session(lead=lead)
    sign_in(lead)
    page = text(client.get(f"/training/sessions/{session.id}"))
    assert f'href="/training/rosters/{session.id}"' in page
    assert "Rosters to finalize" in text(client.get("/training/"))
    listing = text(client.get("/training/rosters/"))
    assert "ALERRT Active-Shooter Response Refresher" in listing


def test_roster_writes_lock_the_session_row_before_reading_it(app, make, program):
    lead = program.instructor()
    session = program.past_session(lead=lead)
    program.enroll(session, program.officer())
    session_id, meeting_id = session.id, session.meetings[0].id
    make.db.expire_all()

    def first_statement(write):
        with counting_queries(db.engine) as statements:
            write()
        make.db.commit()
        return statements[0]

    locks = [
        first_statement(
            lambda: marks.record_attendance(session_id, meeting_id, [], lead, everyone=True)
        ),
        first_statement(lambda: operations.finalize_roster(session_id, lead)),
    ]
    for statement in locks:
        if db.engine.dialect.name == "sqlite":  # takes the database write lock
            assert statement.startswith("UPDATE lms_session SET id=lms_session.id")
        else:
            assert statement.startswith("SELECT lms_session.id") and "FOR UPDATE" in statement


def test_completions_recorded_before_the_roster_are_kept_as_they_are(app, make, program):
    lead = program.instructor()
    session = program.past_session(lead=lead)
    imported, fresh = program.enroll(session, *program.officers("Ofc. Imported", "Ofc. Fresh"))
    make.completion(imported, completed_on=program.today - timedelta(days=2))
    marks.record_attendance(session.id, session.meetings[0].id, [fresh.id], lead)
    report = operations.finalize_roster(session.id, lead)
    make.db.commit()
    assert sorted(e.person.full_name for e in report.completed) == ["Ofc. Fresh", "Ofc. Imported"]
    assert count(make.db, Completion, person_id=imported.person_id) == 1
    assert count(make.db, Completion, person_id=fresh.person_id) == 1

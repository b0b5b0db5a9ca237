"""After finalizing, a change is a correction with a reason; nothing is overwritten or lost."""

from sqlalchemy import select

from lms.models import AuditEvent, Certification, Completion, EnrollmentStatus, EvaluationResult

from .helpers import (
    correct,
    finalize,
    mark_attendance,
    record_results,
    roster_url,
    signed_in_client,
    visible,
)


def finalized_class(client, sign_in, program, *, present, absent=()):
    """A one-day refresher taught by a qualified lead, attendance taken and finalized."""
    lead = program.instructor("Sgt. Erin Hayes")
    session = program.past_session(lead=lead)
    here = program.enroll(session, *present)
    away = program.enroll(session, *absent)
    sign_in(lead)
    mark_attendance(client, session, session.meetings[0], here)
    assert finalize(client, session).status_code == 302
    return lead, session, here, away


def audit_of(db, action):
    return db.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_a_no_show_corrected_to_present_completes_and_is_certified(client, make, sign_in, program):
    rivera = program.officer("Ofc. Sofia Rivera")
    lead, session, _, (enrollment,) = finalized_class(
        client, sign_in, program, present=[], absent=[rivera]
    )
    make.db.refresh(enrollment)
    assert enrollment.status is EnrollmentStatus.NO_SHOW

    response = correct(
        client,
        session,
        enrollment,
        {
            "present_meetings": [str(session.meetings[0].id)],
            "reason": "Sign-in sheet shows her present all day",
        },
    )
    assert response.status_code == 302
    page = visible(client.get(roster_url(session)))
    assert "Correction recorded for Ofc. Sofia Rivera: No-show → Completed." in page
    assert "Sign-in sheet shows her present all day" in page  # the corrections table

    completion = make.db.scalar(select(Completion).where(Completion.person_id == rivera.id))
    assert completion is not None and not completion.is_revoked
    cycle = make.db.scalar(select(Certification).where(Certification.person_id == rivera.id))
    assert cycle.completion_id == completion.id and cycle.track_id == program.alerrt.id
    (event,) = audit_of(make.db, "roster.corrected")
    assert event.actor_id == lead.id
    assert event.details["reason"] == "Sign-in sheet shows her present all day"
    assert event.details["before"]["attendance"] == {str(session.meetings[0].id): False}
    assert event.details["after"]["attendance"] == {str(session.meetings[0].id): True}
    assert (event.details["status_before"], event.details["status_after"]) == (
        "no_show",
        "completed",
    )
    # The original marking is still in the log beside the correction.
    (original,) = audit_of(make.db, "roster.attendance_recorded")
    assert original.details["absent"] == [enrollment.id]


def test_a_wrong_completion_is_revoked_not_deleted_and_then_reinstated(
    app, client, make, sign_in, program
):
    shah = program.officer("Ofc. Priya Shah")
    _, session, (enrollment,), _ = finalized_class(client, sign_in, program, present=[shah])
    completion = make.db.scalar(select(Completion))
    first_cycle = make.db.scalar(select(Certification).where(Certification.person_id == shah.id))

    response = correct(
        client,
        session,
        enrollment,
        {"present_meetings": [], "reason": "Left at 9 AM for a call-out"},
    )
    assert response.status_code == 302
    assert "Correction recorded for Ofc. Priya Shah: Completed → No-show." in visible(
        client.get(roster_url(session))
    )
    make.db.refresh(completion)
    make.db.refresh(first_cycle)
    assert completion.is_revoked and "Left at 9 AM for a call-out" in completion.revoke_reason
    assert first_cycle.is_revoked
    assert [e.action for e in make.db.scalars(select(AuditEvent).order_by(AuditEvent.id))][-3:] == [
        "completion.revoked",
        "certification.revoked",
        "roster.corrected",
    ]
    officer_view = signed_in_client(app, make, shah)
    history = visible(officer_view.get("/training/status/"))
    assert "Revoked Roster correction: Left at 9 AM for a call-out" in history
    assert "ALERRT active-threat response Never certified" in history

    response = correct(
        client,
        session,
        enrollment,
        {
            "present_meetings": [str(session.meetings[0].id)],
            "reason": "Call-out log shows she returned",
        },
    )
    assert response.status_code == 302
    make.db.refresh(completion)
    assert not completion.is_revoked
    cycles = make.db.scalars(
        select(Certification)
        .where(Certification.person_id == shah.id)
        .order_by(Certification.cycle)
    ).all()
    assert [(c.cycle, c.is_revoked) for c in cycles] == [(1, True), (2, False)]
    assert len(audit_of(make.db, "roster.corrected")) == 2
    assert len(audit_of(make.db, "completion.reinstated")) == 1


def test_a_correction_needs_a_reason_and_a_change(client, make, sign_in, program):
    _, session, (enrollment,), _ = finalized_class(
        client, sign_in, program, present=[program.officer("Ofc. Tom Lindqvist")]
    )
    present = [str(session.meetings[0].id)]
    no_reason = correct(client, session, enrollment, {"present_meetings": [], "reason": "oops"})
    assert no_reason.status_code == 400
    assert "Give a reason of 10 to 1,000 characters." in visible(no_reason)
    unchanged = correct(
        client, session, enrollment, {"present_meetings": present, "reason": "Checking the record"}
    )
    assert unchanged.status_code == 400
    assert "Nothing changed" in visible(unchanged)
    assert audit_of(make.db, "roster.corrected") == []
    make.db.refresh(enrollment)
    assert enrollment.status is EnrollmentStatus.COMPLETED


def test_a_correction_cannot_leave_a_result_undecided(client, make, sign_in, program):
    program.refresher.completion_rule = "attendance_written"
    make.db.commit()
    lead = program.instructor()
    session = program.past_session(lead=lead)
    (enrollment,) = program.enroll(session, program.officer("Ofc. Nora Begay"))
    sign_in(lead)
    mark_attendance(client, session, session.meetings[0], everyone=True)
    record_results(client, session, [(enrollment, {"written": "91"})])
    finalize(client, session)
    present = [str(session.meetings[0].id)]

    cleared = correct(
        client,
        session,
        enrollment,
        {"present_meetings": present, "written": "", "reason": "Score entered twice"},
    )
    assert cleared.status_code == 400
    assert "would have no result (written score not recorded)" in visible(cleared)
    out_of_range = correct(
        client,
        session,
        enrollment,
        {"present_meetings": present, "written": "910", "reason": "Typo in score"},
    )
    assert out_of_range.status_code == 400 and "Scores are between 0 and 100." in visible(
        out_of_range
    )
    lowered = correct(
        client,
        session,
        enrollment,
        {"present_meetings": present, "written": "61", "reason": "Graded against the wrong key"},
    )
    assert lowered.status_code == 302
    make.db.refresh(enrollment)
    assert enrollment.status is EnrollmentStatus.FAILED
    score = make.db.scalar(select(EvaluationResult.score))
    assert score == 61
    (event,) = audit_of(make.db, "roster.corrected")
    assert event.details["before"]["evaluations"]["written"]["score"] == "91.00"
    assert event.details["after"]["evaluations"]["written"]["score"] == "61.00"


def test_an_assistant_takes_attendance_but_only_a_lead_finalizes_or_corrects(
    client, make, sign_in, program
):
    assistant = program.instructor("Cpl. Assist")
    lead = program.instructor("Sgt. Lead")
    session = program.past_session(lead=lead, assistants=[assistant])
    (enrollment,) = program.enroll(session, program.officer())
    sign_in(assistant)
    assert mark_attendance(client, session, session.meetings[0], everyone=True).status_code == 302
    refused = finalize(client, session)
    assert refused.status_code == 400
    assert "Only a lead instructor of this session or a training coordinator" in visible(refused)

    lead_client = signed_in_client(client.application, make, lead)
    assert finalize(lead_client, session).status_code == 302
    url = f"/training/rosters/{session.id}/enrollments/{enrollment.id}/correction"
    page = client.get(url)
    assert "Only a lead instructor of this session or a training coordinator" in visible(page)
    response = correct(
        client, session, enrollment, {"present_meetings": [], "reason": "Because I say so"}
    )
    assert response.status_code == 403
    assert audit_of(make.db, "roster.corrected") == []


def test_a_correction_without_a_reason_is_not_saved_and_says_why_once(
    client, make, sign_in, program
):
    rivera = program.officer("Ofc. Sofia Rivera")
    _, session, _, (enrollment,) = finalized_class(
        client, sign_in, program, present=[], absent=[rivera]
    )
    response = correct(
        client, session, enrollment, {"present_meetings": [str(session.meetings[0].id)]}
    )
    assert response.status_code == 400
    page = visible(response)
    assert "There is a problem Not saved. Reason for the correction: Give the reason" in page
    assert page.count("Give the reason for this correction.") == 2  # the summary, the field
    assert 'href="#reason"' in response.get_data(as_text=True)
    assert audit_of(make.db, "roster.corrected") == []

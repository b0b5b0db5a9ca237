"""Finalizing a roster and issuing its certificates in one step, or right after it."""

from __future__ import annotations

from datetime import timedelta

from lms.models import Certificate, Completion

from .helpers import TOKEN_PAGE, mark_attendance, roster_url, signed_in_client, text, visible

ISSUE_BOX = "Issue the certificates of everyone who completes"


def _class(program, *, qualified_until=None, course=None):
    """A lead instructor and two officers enrolled in a class held three days ago."""
    lead = program.instructor("Sgt. Erin Hayes", qualified_until=qualified_until)
    session = program.past_session(course, days_ago=3, lead=lead)
    enrollments = program.enroll(session, *program.officers("Ofc. Sofia Rivera", "Ofc. Ray Bell"))
    return lead, session, enrollments


def _finalize(client, session, **data):
    return client.submit(TOKEN_PAGE, data, action=f"/training/rosters/{session.id}/finalize")


def test_ticking_issue_finalizes_and_issues_in_one_request(app, make, program):
    lead, session, enrollments = _class(program)
    client = signed_in_client(app, make, lead)
    mark_attendance(client, session, session.meetings[0], everyone=True)
    assert ISSUE_BOX in visible(client.get(roster_url(session)))

    response = _finalize(client, session, issue_certificates="y")

    assert response.status_code == 302
    page = visible(client.get(roster_url(session)))
    assert "Roster finalized: 2 completed" in page and "Issued 2 certificates." in page
    assert "2 of 2 completions have a certificate." in page
    holders = {
        c.holder_name for c in make.db.query(Certificate).filter_by(course_id=session.course_id)
    }
    assert holders == {"Ofc. Sofia Rivera", "Ofc. Ray Bell"}


def test_without_the_tick_the_finalized_roster_offers_issue_all(app, make, program):
    lead, session, _ = _class(program)
    client = signed_in_client(app, make, lead)
    mark_attendance(client, session, session.meetings[0], everyone=True)

    assert _finalize(client, session).status_code == 302

    page = client.get(roster_url(session))
    assert "0 of 2 completions have a certificate." in visible(page)
    assert f'action="/training/sessions/{session.id}/certificates/issue"' in text(page)
    assert "Issue all certificates" in visible(page)
    assert make.db.query(Certificate).count() == 0


def test_an_instructor_who_may_finalize_but_not_sign_is_refused_both(app, make, program):
    # Current on the class's last day (so they may finalize), lapsed since (so they may
    # not sign certificates today): asked for both, they get neither. (Teaching this
    # course does not renew their instructor certification, unlike the refresher.)
    course = make.course(
        "ALERRT-TABLETOP",
        organization=program.department,
        instructor_track=program.instructor_track,
    )
    lead, session, _ = _class(program, qualified_until=program.today - timedelta(1), course=course)
    client = signed_in_client(app, make, lead)
    mark_attendance(client, session, session.meetings[0], everyone=True)
    assert ISSUE_BOX not in visible(client.get(roster_url(session)))

    response = _finalize(client, session, issue_certificates="y")

    assert response.status_code == 400
    assert "certification is not current, so you cannot sign certificates" in visible(response)
    make.db.expire_all()
    assert session.roster_finalized_at is None
    assert make.db.query(Completion).count() == 0
    assert make.db.query(Certificate).count() == 0


def test_the_session_page_puts_the_instructors_roster_before_enrolment(app, make, program):
    lead, session, _ = _class(program)
    page = visible(signed_in_client(app, make, lead).get(f"/training/sessions/{session.id}"))
    assert page.index("Take attendance and finalize") < page.index("You teach this session.")

"""A place, its seat and its audit record are one transaction: a failure leaves nothing."""

import io

import pytest

from lms import signals
from lms.models import AuditEvent, Enrollment, EnrollmentStatus, Person, Role

from .helpers import flash_text, statuses


class Injected(RuntimeError):
    pass


@pytest.fixture
def failing(app):
    """Make ``signal`` raise on its ``nth`` send, as a crash after the insert would."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer 500 like production
    connected = []

    def failing(signal, nth=1):
        calls = []

        def receiver(sender, **kwargs):
            calls.append(kwargs)
            if len(calls) == nth:
                raise Injected("injected after the write")

        signal.connect(receiver)
        connected.append((signal, receiver))
        return lambda: signal.disconnect(receiver)

    yield failing
    for signal, receiver in connected:
        signal.disconnect(receiver)


def enroll(client, session):
    page = f"/training/sessions/{session.id}"
    return client.submit(page, {}, action=f"{page}/enroll")


def test_a_failure_after_the_insert_leaves_no_enrollment_and_no_audit(
    client, make, sign_in, refresher, failing
):
    session = make.session(refresher, capacity=1)
    officer = make.person(Role.OFFICER)
    sign_in(officer)
    stop_failing = failing(signals.enrollment_created)

    response = enroll(client, session)
    assert response.status_code == 500
    assert "Something went wrong" in flash_text(response)
    assert make.db.query(Enrollment).count() == 0
    assert make.db.query(AuditEvent).filter_by(action="enrollment.created").count() == 0

    # Nothing half-written, and the lock is gone: the seat is still there to take.
    stop_failing()
    assert "You are enrolled" in flash_text(client.get(enroll(client, session).headers["Location"]))
    assert statuses(make.db, session) == {officer.id: EnrollmentStatus.ENROLLED}


def test_a_roster_failing_on_its_third_person_imports_nobody(
    client, make, sign_in, crase, school, school_coordinator, failing
):
    session = make.session(crase, capacity=10)
    sign_in(school_coordinator)
    failing(signals.enrollment_created, nth=3)
    page = f"/training/groups/{school.id}/sessions/{session.id}"
    roster = b"name,email\nA,a@bigsky.test\nB,b@bigsky.test\nC,c@bigsky.test\nD,d@bigsky.test\n"
    response = client.submit(
        page,
        {"roster": (io.BytesIO(roster), "roster.csv")},
        action=f"{page}/roster",
        content_type="multipart/form-data",
    )
    assert response.status_code == 500
    make.db.expire_all()
    assert make.db.query(Enrollment).count() == 0
    assert make.db.query(Person).count() == 1  # only the coordinator
    assert make.db.query(AuditEvent).filter(AuditEvent.action != "auth.sign_in").count() == 0


def test_a_failed_promotion_undoes_the_cancellation_that_caused_it(
    client, make, sign_in, refresher, failing
):
    session = make.session(refresher, capacity=1)
    officer = make.person(Role.OFFICER)
    mine = make.enrollment(session, officer)
    waiting = make.enrollment(
        session, make.person(Role.OFFICER), status=EnrollmentStatus.WAITLISTED
    )
    sign_in(officer)
    failing(signals.waitlist_promoted)
    response = client.submit(f"/training/enrollments/{mine.id}/cancel", {})
    assert response.status_code == 500
    make.db.expire_all()
    assert mine.status is EnrollmentStatus.ENROLLED
    assert waiting.status is EnrollmentStatus.WAITLISTED
    assert make.db.query(AuditEvent).filter_by(action="enrollment.cancelled").count() == 0

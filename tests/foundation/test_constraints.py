"""What must always hold is enforced by the database itself."""

from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from lms.models import (
    Certificate,
    Enrollment,
    EnrollmentStatus,
    Meeting,
    Role,
)
from tests.support import local


@pytest.fixture
def officer_and_session(make):
    return make.person(Role.OFFICER), make.session(capacity=5)


def test_one_active_enrollment_per_person_and_session(make, officer_and_session):
    officer, session = officer_and_session
    make.enrollment(session, officer)
    with pytest.raises(IntegrityError):
        make.enrollment(session, officer, status=EnrollmentStatus.WAITLISTED)
    make.db.rollback()


def test_a_cancelled_enrollment_does_not_block_enrolling_again(make, officer_and_session):
    officer, session = officer_and_session
    make.enrollment(session, officer, status=EnrollmentStatus.CANCELLED)
    make.enrollment(session, officer, status=EnrollmentStatus.CANCELLED)
    make.enrollment(session, officer)
    count = make.db.query(Enrollment).filter_by(person_id=officer.id).count()
    assert count == 3


def test_meeting_must_end_after_it_starts(make):
    session = make.session()
    day = date.today() + timedelta(days=30)
    session.meetings.append(Meeting(starts_at=local(day, 10), ends_at=local(day, 9)))
    with pytest.raises(IntegrityError):
        make.db.commit()
    make.db.rollback()


def test_capacity_cannot_be_negative(make):
    session = make.session()
    session.capacity = -1
    with pytest.raises(IntegrityError):
        make.db.commit()
    make.db.rollback()


def _certificate(completion, serial, **kw):
    return Certificate(
        serial=serial,
        completion_id=completion.id,
        person_id=completion.person_id,
        course_id=completion.course_id,
        organization_id=completion.session.organization_id,
        holder_name="Ofc. Test",
        issued_on=date.today(),
        layout_key="officer-certification",
        **kw,
    )


def test_one_live_certificate_per_completion_and_unique_serials(make, officer_and_session):
    officer, session = officer_and_session
    completion = make.completion(make.enrollment(session, officer))
    make.db.add(_certificate(completion, "A" * 26))
    make.db.commit()
    make.db.add(_certificate(completion, "B" * 26))
    with pytest.raises(IntegrityError):
        make.db.commit()
    make.db.rollback()

    other = make.completion(make.enrollment(session, make.person(Role.OFFICER)))
    make.db.add(_certificate(other, "A" * 26))
    with pytest.raises(IntegrityError):
        make.db.commit()
    make.db.rollback()


def test_timestamps_are_stored_in_utc_and_come_back_aware(make):
    session = make.session(start=date(2026, 7, 4), hours=(8, 16))
    make.db.expire_all()
    meeting = make.db.get(Meeting, session.meetings[0].id)
    assert meeting.starts_at.utcoffset().total_seconds() == 0
    assert meeting.starts_at.hour == 14  # 8:00 MDT


def test_naive_datetimes_are_refused(make):
    from datetime import datetime

    session = make.session()
    session.meetings[0].starts_at = datetime(2026, 1, 1, 8, 0)
    with pytest.raises(Exception, match="naive datetime"):
        make.db.commit()
    make.db.rollback()

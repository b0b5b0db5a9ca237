"""A place in a session: taken, waitlisted, promoted or cancelled.

The writes every enrollment flow shares (self-service, coordinators, community
groups, public registration, a session's cancellation). Every write that can
change who holds a seat starts by locking the session's row
(:func:`lms.core.lock_row`) and then counts seats with fresh COUNT queries
inside that lock, so concurrent requests queue on the session instead of
overbooking it. These functions flush, audit and send their signals; the caller
commits, so a place, its seat and its audit record land together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload

from .. import signals
from ..core import audit, db_session, lock_row
from ..mail import invitations
from ..models import (
    Course,
    CourseSession,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    Organization,
    Person,
    utcnow,
)
from . import queries, rules


class EnrollmentError(ValueError):
    """A request that cannot be honoured; the message is shown, ``field`` says where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _app():
    return current_app._get_current_object()


#: A session read to enroll someone: its instructors load only if asked for (a statement
#: the enrollment rules never need).
WITHOUT_INSTRUCTORS = (lazyload(CourseSession.instructors),)

#: What a seat decision reads of the session it locks, and a public registration of the
#: session it registers for: the row, its course, its meetings (still open?); not its
#: instructors nor the course's prerequisites (two statements; they load if asked for).
SEAT_DECISION = (
    *WITHOUT_INSTRUCTORS,
    joinedload(CourseSession.course).lazyload(Course.prerequisites),
)


def lock_session(session_id: int) -> CourseSession | None:
    """The session, its row locked until the transaction ends (see :func:`lms.core.lock_row`)."""
    return lock_row(CourseSession, session_id, SEAT_DECISION)


def locked_session(session_id: int) -> CourseSession:
    """The session, its row locked; :class:`EnrollmentError` when there is no such session."""
    session = lock_session(session_id)
    if session is None:
        raise EnrollmentError("That session does not exist.")
    return session


def find_or_create_person(email: str, create: Callable[[], Person]) -> tuple[Person, bool]:
    """The person with ``email`` and whether they are new: :func:`create_person_once` if
    nobody has the address yet."""
    person = queries.person_by_email(email)
    if person is not None:
        return person, False
    return create_person_once(email, create)


def create_person_once(email: str, create: Callable[[], Person]) -> tuple[Person, bool]:
    """``create()`` (in a savepoint) the person with ``email``, whom the caller has just
    looked for and not found (so ``create`` need not look again:
    ``create_person(email_checked=True)``); whether they are new.

    Two requests creating the same address at once: the loser of the unique
    index rolls back its savepoint and uses the winner's row.
    """
    try:
        with db_session().begin_nested():
            return create(), True
    except IntegrityError:
        person = queries.person_by_email(email)
        if person is None:
            raise
        return person, False


def admit(
    session: CourseSession,
    person: Person,
    organization: Organization,
    *,
    source: EnrollmentSource,
    actor: Person | None,
    over_enrollment_reason: str | None = None,
    prerequisite_override_reason: str | None = None,
    affiliation: str | None = None,
    details: dict | None = None,
    count: queries.SeatCount | None = None,
) -> Enrollment:
    """Give ``person`` a seat if one is theirs to take, else a place on the waitlist.

    The caller holds the session's lock and has checked the rules. A reason to
    over-enroll seats the person even in a full room; it is kept and audited.
    """
    problem = rules.organization_problem(organization)
    if problem:
        raise EnrollmentError(problem)
    count = count or queries.count_seats(session)
    now = utcnow()
    if count.can_seat(organization):
        status, over_enrollment_reason = EnrollmentStatus.ENROLLED, None
    elif over_enrollment_reason:
        status = EnrollmentStatus.ENROLLED
    else:
        status = EnrollmentStatus.WAITLISTED
    enrollment = Enrollment(
        session_id=session.id,
        person_id=person.id,
        organization_id=organization.id,
        status=status,
        source=source,
        waitlisted_at=now if status is EnrollmentStatus.WAITLISTED else None,
        enrolled_by_id=actor.id if actor is not None else None,
        over_enrollment_reason=over_enrollment_reason,
        prerequisite_override_reason=prerequisite_override_reason,
        affiliation=affiliation,
        created_at=now,
        status_changed_at=now,
    )
    db_session().add(enrollment)
    db_session().flush()
    if status is EnrollmentStatus.ENROLLED:
        count.take(organization)
    audit(
        "enrollment.created",
        enrollment,
        actor=actor,
        details={
            "session_id": session.id,
            "person_id": person.id,
            "status": status.value,
            "source": source.value,
            **(
                {"over_enrollment_reason": over_enrollment_reason} if over_enrollment_reason else {}
            ),
            **(
                {"prerequisite_override_reason": prerequisite_override_reason}
                if prerequisite_override_reason
                else {}
            ),
            **(details or {}),
        },
    )
    signals.enrollment_created.send(_app(), enrollment=enrollment, actor=actor)
    return enrollment


def refuse_if_placed(session: CourseSession, person: Person, *, yourself: bool) -> None:
    """Refuse a second place: ``person`` already holds one (or waits) in ``session``."""
    existing = queries.active_enrollment(session.id, person.id)
    if existing is None:
        return
    where = "on the waitlist" if existing.is_waitlisted else existing.status.label.lower()
    who = "You are" if yourself else f"{person.full_name} is"
    raise EnrollmentError(f"{who} already {where} in this session.")


def promote_waitlist(session: CourseSession, actor: Person | None = None) -> list[Enrollment]:
    """Seat waitlisted people, first in line first, while seats are theirs to take.

    The caller holds the session's lock. Someone whose group is at its cap is
    passed over (they keep their place) rather than blocking everyone behind.
    """
    if session.is_cancelled:
        return []
    count = queries.count_seats(session)
    promoted = []
    for enrollment in queries.waitlist(session.id):
        organization = enrollment.organization
        if not count.can_seat(organization):
            continue
        now = utcnow()
        waited_since = enrollment.waitlisted_at
        enrollment.status = EnrollmentStatus.ENROLLED
        enrollment.status_changed_at = now
        db_session().flush()
        count.take(organization)
        audit(
            "enrollment.promoted",
            enrollment,
            actor=actor,
            details={
                "session_id": session.id,
                "person_id": enrollment.person_id,
                "waitlisted_at": waited_since.isoformat() if waited_since else None,
            },
        )
        signals.waitlist_promoted.send(_app(), enrollment=enrollment)
        invitations.seat_given(enrollment)
        promoted.append(enrollment)
    return promoted


def mark_cancelled(
    enrollment: Enrollment, actor: Person | None, reason: str | None, **details
) -> None:
    """Cancel one place (kept, with who and why); the caller holds the session's lock."""
    now = utcnow()
    previous = enrollment.status
    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.status_changed_at = now
    enrollment.cancelled_at = now
    enrollment.cancelled_by_id = actor.id if actor is not None else None
    enrollment.cancel_reason = (reason or "")[:500] or None
    db_session().flush()
    audit(
        "enrollment.cancelled",
        enrollment,
        actor=actor,
        details={
            "session_id": enrollment.session_id,
            "person_id": enrollment.person_id,
            "previous_status": previous.value,
            "reason": reason,
            **details,
        },
    )
    signals.enrollment_cancelled.send(_app(), enrollment=enrollment, actor=actor, reason=reason)

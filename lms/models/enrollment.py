"""Enrollments: a person's place in a session."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, case, func, select, text
from sqlalchemy.orm import (
    Mapped,
    column_property,
    defaultload,
    lazyload,
    mapped_column,
    relationship,
)

from .base import Base, str_enum, utcnow
from .courses import Course
from .organizations import Organization
from .people import Person
from .sessions import CourseSession, SessionGroupAllocation


class EnrollmentStatus(enum.StrEnum):
    ENROLLED = "enrolled"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-").capitalize()


#: Statuses that hold a seat in the room.
SEAT_HOLDING = frozenset(
    {
        EnrollmentStatus.ENROLLED,
        EnrollmentStatus.ATTENDED,
        EnrollmentStatus.NO_SHOW,
        EnrollmentStatus.COMPLETED,
        EnrollmentStatus.FAILED,
    }
)


class EnrollmentSource(enum.StrEnum):
    SELF = "self"
    GROUP = "group"
    PUBLIC = "public"
    COORDINATOR = "coordinator"


class Enrollment(Base):
    """A person's place in a session, from enrollment or waitlist to result."""

    __tablename__ = "lms_enrollment"
    __table_args__ = (
        # One active (not cancelled) enrollment per person and session.
        Index(
            "uq_lms_enrollment_active_person",
            "session_id",
            "person_id",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_lms_enrollment_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("lms_session.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("lms_person.id"), index=True)
    # The organization the person enrolled for (their agency or group).
    organization_id: Mapped[int] = mapped_column(ForeignKey("lms_organization.id"), index=True)
    status: Mapped[EnrollmentStatus] = mapped_column(
        str_enum(EnrollmentStatus, "enrollment_status")
    )
    source: Mapped[EnrollmentSource] = mapped_column(
        str_enum(EnrollmentSource, "enrollment_source"), default=EnrollmentSource.SELF
    )
    # Waitlist order is this instant, ties broken by id.
    waitlisted_at: Mapped[datetime | None]
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    # The organization a public registrant named, as typed (they have no account to hold it).
    affiliation: Mapped[str | None] = mapped_column(String(200))
    over_enrollment_reason: Mapped[str | None] = mapped_column(Text)
    prerequisite_override_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))

    session: Mapped[CourseSession] = relationship(lazy="joined")
    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="joined")
    organization: Mapped[Organization] = relationship()
    enrolled_by: Mapped[Person | None] = relationship(foreign_keys=[enrolled_by_id])

    @property
    def is_active(self) -> bool:
        return self.status is not EnrollmentStatus.CANCELLED

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_HOLDING

    @property
    def is_waitlisted(self) -> bool:
        return self.status is EnrollmentStatus.WAITLISTED


class ManageLink(Base):
    """A link that lets a public registrant see and cancel one booking without an account.

    Only the token's SHA-256 is kept. Viewing works until the session ends (read
    from the session, so a moved session moves the link's end too); cancelling
    works once (``cancel_used_at``).
    """

    __tablename__ = "lms_manage_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("lms_enrollment.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancel_used_at: Mapped[datetime | None]

    enrollment: Mapped[Enrollment] = relationship(lazy="joined")

    @property
    def expires_at(self) -> datetime | None:
        """When the link stops working: the end of the session (None: not scheduled)."""
        return self.enrollment.session.ends_at

    @property
    def is_expired(self) -> bool:
        ends = self.expires_at
        return ends is not None and ends <= utcnow()

    @property
    def is_live(self) -> bool:
        """Opens the booking: its cancel action unused and the session not over."""
        return self.cancel_used_at is None and not self.is_expired


#: Loader options for lists of sessions that show their facts (course, meetings, seats)
#: and never their staff or the course's prerequisites: two statements and a few dozen
#: objects fewer per list. ``PLACE_LISTING`` is the same for lists of someone's places.
SESSION_LISTING = (
    lazyload(CourseSession.instructors),
    defaultload(CourseSession.course).lazyload(Course.prerequisites),
)
PLACE_LISTING = tuple(defaultload(Enrollment.session).options(o) for o in SESSION_LISTING)
#: Loader option for one session's places (a roster, a waitlist, a seat check): their
#: session is the one the caller holds, taken from the session's identity map rather
#: than joined, with its collections loaded again, into every row.
IN_A_KNOWN_SESSION = (lazyload(Enrollment.session),)

# Seat counts load with every session in the same SELECT (no N+1).
CourseSession.seats_taken = column_property(
    select(func.count(Enrollment.id))
    .where(
        Enrollment.session_id == CourseSession.id,
        Enrollment.status.in_([s.value for s in SEAT_HOLDING]),
    )
    .correlate_except(Enrollment)
    .scalar_subquery()
)
CourseSession.waitlist_length = column_property(
    select(func.count(Enrollment.id))
    .where(
        Enrollment.session_id == CourseSession.id,
        Enrollment.status == EnrollmentStatus.WAITLISTED.value,
    )
    .correlate_except(Enrollment)
    .scalar_subquery()
)

# Seats community groups reserved but have not yet named people for: they are
# held, so they count against the room like enrollments do.
_named_in_allocation = (
    select(func.count(Enrollment.id))
    .where(
        Enrollment.session_id == SessionGroupAllocation.session_id,
        Enrollment.organization_id == SessionGroupAllocation.organization_id,
        Enrollment.status.in_([s.value for s in SEAT_HOLDING]),
    )
    .correlate_except(Enrollment)
    .scalar_subquery()
)
CourseSession.seats_reserved_open = column_property(
    select(
        func.coalesce(
            func.sum(
                case(
                    (
                        SessionGroupAllocation.seats_reserved > _named_in_allocation,
                        SessionGroupAllocation.seats_reserved - _named_in_allocation,
                    ),
                    else_=0,
                )
            ),
            0,
        )
    )
    .where(SessionGroupAllocation.session_id == CourseSession.id)
    .correlate_except(SessionGroupAllocation)
    .scalar_subquery()
)


def free_seats(capacity: int, taken: int | None, reserved_open: int | None) -> int:
    """Free seats of a room (never negative, even when a coordinator over-enrolled).

    From a session's capacity, ``seats_taken`` and ``seats_reserved_open``, whether
    read on the object or selected as columns.
    """
    return max(capacity - (taken or 0) - (reserved_open or 0), 0)


def _seats_left(self: CourseSession) -> int:
    return free_seats(self.capacity, self.seats_taken, self.seats_reserved_open)


CourseSession.seats_left = property(_seats_left)

"""Sessions: one scheduled run of a course, its meetings, instructors and group seats."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    and_,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow
from .courses import Course
from .organizations import Organization
from .people import Person


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class InstructorRole(enum.StrEnum):
    LEAD = "lead"
    ASSISTANT = "assistant"


class CourseSession(Base):
    """One scheduled run of a course (an offering), possibly over several meetings."""

    __tablename__ = "lms_session"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_non_negative"),
        CheckConstraint("revision >= 0", name="revision_non_negative"),
        CheckConstraint(
            "group_seat_cap IS NULL OR group_seat_cap >= 0", name="group_seat_cap_non_negative"
        ),
        # Coming sessions are scheduled ones: as many as a program runs at a time, however
        # many years of completed sessions the table holds (migration 0018).
        Index(
            "ix_lms_session_scheduled",
            "course_id",
            sqlite_where=text("status = 'scheduled'"),
            postgresql_where=text("status = 'scheduled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("lms_organization.id"))
    # IANA zone the session is held in; meetings are stored in UTC.
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(255), default="")
    capacity: Mapped[int]
    # Most seats any one community group may hold here, unless its allocation sets its own.
    group_seat_cap: Mapped[int | None]
    status: Mapped[SessionStatus] = mapped_column(
        str_enum(SessionStatus, "session_status"), default=SessionStatus.SCHEDULED
    )
    is_public: Mapped[bool] = mapped_column(default=False)
    registration_opens_at: Mapped[datetime | None]
    registration_closes_at: Mapped[datetime | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    # Calendar revision: bumped on every change of time, place or status.
    revision: Mapped[int] = mapped_column(default=0)
    revised_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    roster_finalized_at: Mapped[datetime | None]
    roster_finalized_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))

    course: Mapped[Course] = relationship(back_populates="sessions", lazy="joined")
    organization: Mapped[Organization] = relationship()
    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="session",
        order_by="Meeting.starts_at",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    instructors: Mapped[list[SessionInstructor]] = relationship(
        back_populates="session", cascade="all, delete-orphan", lazy="selectin"
    )
    group_allocations: Mapped[list[SessionGroupAllocation]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )

    @hybrid_property
    def starts_at(self) -> datetime | None:
        """When the first meeting starts (None without meetings)."""
        return self.meetings[0].starts_at if self.meetings else None

    @starts_at.inplace.expression
    @classmethod
    def _starts_at_expression(cls):
        """In SQL: the earliest start among the session's meetings (a correlated subquery)."""
        return (
            select(func.min(Meeting.starts_at))
            .where(Meeting.session_id == cls.id)
            .correlate(cls)
            .scalar_subquery()
        )

    @classmethod
    def open_for_registration(cls, now: datetime):
        """In SQL: scheduled, not yet begun, and inside its registration window at ``now``."""
        return and_(
            cls.status == SessionStatus.SCHEDULED,
            cls.starts_at > now,
            or_(cls.registration_opens_at.is_(None), cls.registration_opens_at <= now),
            or_(cls.registration_closes_at.is_(None), cls.registration_closes_at > now),
        )

    @hybrid_property
    def ends_at(self) -> datetime | None:
        """When the last meeting ends (None without meetings)."""
        return max((m.ends_at for m in self.meetings), default=None)

    @ends_at.inplace.expression
    @classmethod
    def _ends_at_expression(cls):
        """In SQL: the latest end among the session's meetings (a correlated subquery)."""
        return (
            select(func.max(Meeting.ends_at))
            .where(Meeting.session_id == cls.id)
            .correlate(cls)
            .scalar_subquery()
        )

    @property
    def first_day(self) -> date | None:
        """The local date of the first meeting (an evening class is not on tomorrow's UTC date)."""
        return self.starts_at.astimezone(ZoneInfo(self.timezone)).date() if self.starts_at else None

    @property
    def is_cancelled(self) -> bool:
        return self.status is SessionStatus.CANCELLED

    @property
    def lead_instructors(self) -> list[Person]:
        return [i.person for i in self.instructors if i.role is InstructorRole.LEAD]

    @property
    def assistant_instructors(self) -> list[Person]:
        return [i.person for i in self.instructors if i.role is InstructorRole.ASSISTANT]

    def is_taught_by(self, person_id: int) -> bool:
        return any(i.person_id == person_id for i in self.instructors)

    def __str__(self) -> str:
        return f"{self.course.code} session {self.id}"


class Meeting(Base):
    """One block of class time of a session, stored in UTC."""

    __tablename__ = "lms_meeting"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("sequence >= 0", name="sequence_non_negative"),
        # Calendar feeds keep meetings until a while after they end (lms.calendar).
        Index("ix_lms_meeting_ends_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("lms_session.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    location: Mapped[str | None] = mapped_column(String(255))
    # iCalendar identity: random, stored once, never derived from host or person.
    uid: Mapped[str] = mapped_column(String(80), unique=True, default=lambda: uuid.uuid4().hex)
    sequence: Mapped[int] = mapped_column(default=0)

    session: Mapped[CourseSession] = relationship(back_populates="meetings")

    @property
    def effective_location(self) -> str:
        return self.location or self.session.location

    @property
    def duration_hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class SessionInstructor(Base):
    """An instructor assigned to a session, as lead or assistant."""

    __tablename__ = "lms_session_instructor"
    # The sessions a person teaches (the primary key starts with the session).
    __table_args__ = (Index("ix_lms_session_instructor_person", "person_id", "session_id"),)

    session_id: Mapped[int] = mapped_column(ForeignKey("lms_session.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("lms_person.id"), primary_key=True)
    role: Mapped[InstructorRole] = mapped_column(str_enum(InstructorRole, "instructor_role"))

    session: Mapped[CourseSession] = relationship(back_populates="instructors")
    person: Mapped[Person] = relationship(lazy="joined")


class InstructorRemoval(Base):
    """An instructor taken off a session, kept so their calendar can show it cancelled.

    ``SessionInstructor`` holds only the current instructors (rosters, credits,
    access): this is the record of who was taken off, when and by whom; a
    person taken off twice has two.
    """

    __tablename__ = "lms_instructor_removal"
    __table_args__ = (Index("ix_lms_instructor_removal_person", "person_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("lms_session.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("lms_person.id"))
    removed_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))


class SessionGroupAllocation(Base):
    """Seats a community group reserved in a session, and its cap there."""

    __tablename__ = "lms_session_group_allocation"
    __table_args__ = (
        CheckConstraint("seats_reserved >= 0", name="seats_reserved_non_negative"),
        CheckConstraint("seat_cap IS NULL OR seat_cap >= 0", name="seat_cap_non_negative"),
    )

    session_id: Mapped[int] = mapped_column(ForeignKey("lms_session.id"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("lms_organization.id"), primary_key=True
    )
    seats_reserved: Mapped[int] = mapped_column(default=0)
    seat_cap: Mapped[int | None]
    reserved_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    session: Mapped[CourseSession] = relationship(back_populates="group_allocations")
    organization: Mapped[Organization] = relationship()

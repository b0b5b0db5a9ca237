"""The catalog: certification tracks, courses, their sessions and meetings."""

from __future__ import annotations

import enum
import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow
from .organizations import Organization
from .people import Person


class RenewalBasis(enum.StrEnum):
    """Where a renewed cycle starts counting from."""

    COMPLETION = "completion"
    PREVIOUS_EXPIRY = "previous_expiry"


class RenewalMethod(enum.StrEnum):
    """Ways a track can be renewed."""

    COMPLETE_COURSE = "complete_course"
    TEACH_SESSION = "teach_session"


class Audience(enum.StrEnum):
    OFFICERS = "officers"
    INSTRUCTORS = "instructors"
    CIVILIANS = "civilians"
    SCHOOL_STAFF = "school_staff"

    @property
    def label(self) -> str:
        return {
            "officers": "Sworn officers",
            "instructors": "Instructor candidates",
            "civilians": "Community members",
            "school_staff": "School staff",
        }[self.value]


def title_with_code(title: str, code: str) -> str:
    """A course named once: its title, with its code in brackets unless the title says it.

    "CRASE: Avoid, Deny, Defend" already carries its code; "ALERRT Active-Shooter
    Response Refresher (ALERRT-REFRESH)" needs it.
    """
    if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", title, re.IGNORECASE):
        return title
    return f"{title} ({code})"


class CertificationTrack(Base):
    """A certification a person holds for a validity period and renews (e.g. ALERRT)."""

    __tablename__ = "lms_certification_track"
    __table_args__ = (
        CheckConstraint("validity_months > 0", name="validity_positive"),
        CheckConstraint("renewal_window_days >= 0", name="window_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    validity_months: Mapped[int]
    renewal_window_days: Mapped[int] = mapped_column(default=90)
    renewal_basis: Mapped[RenewalBasis] = mapped_column(
        str_enum(RenewalBasis, "renewal_basis"), default=RenewalBasis.PREVIOUS_EXPIRY
    )
    # A track that qualifies its holders to lead classes (the instructor track).
    qualifies_instructors: Mapped[bool] = mapped_column(default=False)

    renewal_paths: Mapped[list[TrackRenewalPath]] = relationship(
        back_populates="track", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.name


class TrackRenewalPath(Base):
    """One way to renew a track: complete a course, or teach a session of it."""

    __tablename__ = "lms_track_renewal_path"
    __table_args__ = (UniqueConstraint("track_id", "method", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("lms_certification_track.id"))
    method: Mapped[RenewalMethod] = mapped_column(str_enum(RenewalMethod, "renewal_method"))
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"))

    track: Mapped[CertificationTrack] = relationship(back_populates="renewal_paths")
    course: Mapped[Course] = relationship()


class CoursePrerequisite(Base):
    """A course that requires a current certification on a track to enroll."""

    __tablename__ = "lms_course_prerequisite"

    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"), primary_key=True)
    track_id: Mapped[int] = mapped_column(
        ForeignKey("lms_certification_track.id"), primary_key=True
    )

    track: Mapped[CertificationTrack] = relationship(lazy="joined")


class Course(Base):
    """What is taught: a catalog entry."""

    __tablename__ = "lms_course"
    __table_args__ = (CheckConstraint("credit_hours >= 0", name="credit_hours_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("lms_organization.id"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[Audience] = mapped_column(str_enum(Audience, "audience"))
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("0"))
    # Plugin keys (see lms.plugins): what kind of course, how it is completed, its layout.
    course_type: Mapped[str] = mapped_column(String(60), default="standard")
    completion_rule: Mapped[str] = mapped_column(String(60), default="attendance")
    completion_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    certificate_layout: Mapped[str] = mapped_column(String(60), default="civilian-attendance")
    # Completing the course grants (or renews) a cycle on this track.
    grants_track_id: Mapped[int | None] = mapped_column(ForeignKey("lms_certification_track.id"))
    # Lead instructors of this course must be current on this track.
    instructor_track_id: Mapped[int | None] = mapped_column(
        ForeignKey("lms_certification_track.id")
    )
    is_public: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()
    grants_track: Mapped[CertificationTrack | None] = relationship(foreign_keys=[grants_track_id])
    instructor_track: Mapped[CertificationTrack | None] = relationship(
        foreign_keys=[instructor_track_id]
    )
    prerequisites: Mapped[list[CoursePrerequisite]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    sessions: Mapped[list[CourseSession]] = relationship(back_populates="course")

    @property
    def title_with_code(self) -> str:
        """The course named once on a page: "ALERRT Refresher (ALERRT-REFRESH)"."""
        return title_with_code(self.title, self.code)

    @property
    def grants_certification(self) -> bool:
        return self.grants_track_id is not None

    @property
    def validity_months(self) -> int | None:
        return self.grants_track.validity_months if self.grants_track else None

    @property
    def renewal_window_days(self) -> int | None:
        return self.grants_track.renewal_window_days if self.grants_track else None

    @property
    def prerequisite_tracks(self) -> list[CertificationTrack]:
        return [p.track for p in self.prerequisites]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


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

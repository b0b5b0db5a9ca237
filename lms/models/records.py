"""Attendance, evaluation results, completions and certification cycles."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow
from .courses import CertificationTrack, Course
from .enrollment import Enrollment
from .people import Person
from .sessions import CourseSession, Meeting


class AttendanceRecord(Base):
    """Whether an enrolled person was present at one meeting."""

    __tablename__ = "lms_attendance"
    __table_args__ = (UniqueConstraint("enrollment_id", "meeting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("lms_enrollment.id"))
    meeting_id: Mapped[int] = mapped_column(ForeignKey("lms_meeting.id"))
    present: Mapped[bool]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
    meeting: Mapped[Meeting] = relationship()


class EvaluationKind(enum.StrEnum):
    PRACTICAL = "practical"
    WRITTEN = "written"
    TEACH_BACK = "teach_back"


class EvaluationResult(Base):
    """A practical, written or teach-back result for an enrollment."""

    __tablename__ = "lms_evaluation"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "kind"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("lms_enrollment.id"))
    kind: Mapped[EvaluationKind] = mapped_column(str_enum(EvaluationKind, "evaluation_kind"))
    passed: Mapped[bool | None]
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    remarks: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()


class Completion(Base):
    """The recorded result that a person met a course's completion rule."""

    __tablename__ = "lms_completion"
    __table_args__ = (
        CheckConstraint("credit_hours >= 0", name="credit_hours_non_negative"),
        # Hours ledgers and POST exports select completions by date.
        Index("ix_lms_completion_completed_on", "completed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("lms_enrollment.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("lms_person.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("lms_session.id"), index=True)
    completed_on: Mapped[date]
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    rule_key: Mapped[str] = mapped_column(String(60))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A roster correction that undoes a completion revokes it (with a reason); the
    # row stays, so hours and certificates can be traced to what was recorded.
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    enrollment: Mapped[Enrollment] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    course: Mapped[Course] = relationship()
    session: Mapped[CourseSession] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CertificationSource(enum.StrEnum):
    COMPLETION = "completion"
    TEACHING = "teaching"
    IMPORTED = "imported"


class Certification(Base):
    """One cycle of a person on a track. Cycles are history: never overwritten."""

    __tablename__ = "lms_certification"
    __table_args__ = (
        UniqueConstraint("person_id", "track_id", "cycle"),
        CheckConstraint("expires_on > valid_from", name="expires_after_valid_from"),
        # Status reads the latest expiry per (person, track): an index-only scan.
        Index(
            "ix_lms_certification_status",
            "person_id",
            "track_id",
            "granted_on",
            "expires_on",
            "revoked_at",
        ),
        # Status filters (the people directory): a track's live cycles by expiry, index-only.
        Index(
            "ix_lms_certification_live",
            "track_id",
            "expires_on",
            "granted_on",
            "person_id",
            postgresql_where=text("revoked_at IS NULL"),
            sqlite_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("lms_person.id"), index=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("lms_certification_track.id"))
    cycle: Mapped[int] = mapped_column(default=1)
    granted_on: Mapped[date]
    valid_from: Mapped[date]
    expires_on: Mapped[date]
    source: Mapped[CertificationSource] = mapped_column(
        str_enum(CertificationSource, "certification_source")
    )
    completion_id: Mapped[int | None] = mapped_column(ForeignKey("lms_completion.id"))
    taught_session_id: Mapped[int | None] = mapped_column(ForeignKey("lms_session.id"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("lms_certification.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A cycle whose completion was revoked by a correction: kept, but no longer counts.
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    track: Mapped[CertificationTrack] = relationship(lazy="joined")
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    completion: Mapped[Completion | None] = relationship()
    taught_session: Mapped[CourseSession | None] = relationship(foreign_keys=[taught_session_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_current_on(self, day: date) -> bool:
        return not self.is_revoked and self.valid_from <= day < self.expires_on


class PriorTraining(Base):
    """Training a person did before this LMS kept their record, brought in by an import.

    It counts for status (through the certification cycle it may carry), hours and
    prerequisites, but is never printed as if this department issued it: its
    source system and prior certificate number say where it came from. Like
    every record, it is revoked, never deleted. ``fingerprint`` (the import
    line's content, hashed) makes importing the same file twice change nothing.
    """

    __tablename__ = "lms_prior_training"
    __table_args__ = (
        UniqueConstraint("person_id", "fingerprint"),
        CheckConstraint(
            "course_id IS NOT NULL OR track_id IS NOT NULL", name="names_course_or_track"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("lms_person.id"), index=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("lms_course.id"))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("lms_certification_track.id"))
    title: Mapped[str] = mapped_column(String(200))  # as the source system named it
    completed_on: Mapped[date]
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    instructor_name: Mapped[str | None] = mapped_column(String(200))
    prior_certificate_number: Mapped[str | None] = mapped_column(String(80))
    source_system: Mapped[str] = mapped_column(String(120))
    # The cycle this record earned, when it names a track (source IMPORTED).
    certification_id: Mapped[int | None] = mapped_column(ForeignKey("lms_certification.id"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    course: Mapped[Course | None] = relationship()
    track: Mapped[CertificationTrack | None] = relationship()
    certification: Mapped[Certification | None] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

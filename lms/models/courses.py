"""The catalog: certification tracks, their renewal paths, courses and prerequisites.

A course's scheduled runs are in :mod:`lms.models.sessions`.
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow
from .organizations import Organization

if TYPE_CHECKING:
    from .sessions import CourseSession


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
        CheckConstraint("due_soon_days >= 0", name="due_soon_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    validity_months: Mapped[int]
    # Days before expiry in which a renewal counts from the previous expiry
    # (see lms.status.renewal); 0: no early renewal.
    renewal_window_days: Mapped[int] = mapped_column(default=90)
    # Days before expiry in which a holder shows as due soon; may differ from the
    # renewal window (open renewal at 90 days, flag people at 60).
    due_soon_days: Mapped[int] = mapped_column(default=90, server_default="90")
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

"""Issued certificates: revocable and supersedable, never silently changed."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow
from .courses import Course
from .organizations import Organization
from .people import Person
from .records import Completion


class CertificateStatus(enum.StrEnum):
    ISSUED = "issued"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class Certificate(Base):
    """The record behind a PDF certificate of a completion."""

    __tablename__ = "lms_certificate"
    __table_args__ = (
        # One live (not superseded) certificate per completion.
        Index(
            "uq_lms_certificate_live_completion",
            "completion_id",
            unique=True,
            sqlite_where=text("status <> 'superseded'"),
            postgresql_where=text("status <> 'superseded'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    completion_id: Mapped[int] = mapped_column(ForeignKey("lms_completion.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("lms_person.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("lms_course.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("lms_organization.id"))
    holder_name: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date]
    expires_on: Mapped[date | None]
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    layout_key: Mapped[str] = mapped_column(String(60))
    status: Mapped[CertificateStatus] = mapped_column(
        str_enum(CertificateStatus, "certificate_status"), default=CertificateStatus.ISSUED
    )
    key_id: Mapped[str | None] = mapped_column(String(40))
    signature: Mapped[str | None] = mapped_column(String(200))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("lms_certificate.id"), unique=True)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    completion: Mapped[Completion] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    course: Mapped[Course] = relationship()
    organization: Mapped[Organization] = relationship()
    signer: Mapped[Person | None] = relationship(foreign_keys=[signer_id])
    supersedes: Mapped[Certificate | None] = relationship(
        remote_side=[id], foreign_keys=[supersedes_id]
    )

    def is_expired_on(self, day: date) -> bool:
        return self.expires_on is not None and day >= self.expires_on

    @property
    def is_revoked(self) -> bool:
        return self.status is CertificateStatus.REVOKED

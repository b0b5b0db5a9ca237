"""Issued certificates: revocable and supersedable, never silently changed."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, event, inspect, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum, utcnow
from .courses import Course, title_with_code
from .organizations import Organization
from .people import Person
from .records import Completion


class CertificateStatus(enum.StrEnum):
    ISSUED = "issued"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class CertificateState(enum.StrEnum):
    """What a verifier is told about a certificate on a given day."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Certificate(Base):
    """The record behind a PDF certificate of a completion.

    What the certificate says (holder, course, dates, organization, hours,
    instructor) is copied here when it is issued and signed, so renaming a
    course or a person later never changes an issued certificate; a correction
    is a new certificate that supersedes this one.
    """

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
    # The snapshot printed and signed (see lms.credentials.signing).
    course_code: Mapped[str] = mapped_column(String(40))
    course_title: Mapped[str] = mapped_column(String(200))
    organization_name: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date]
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    instructor_name: Mapped[str] = mapped_column(String(200), default="")
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    # Why a correction replaced the certificate it supersedes.
    correction_reason: Mapped[str | None] = mapped_column(Text)

    completion: Mapped[Completion] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    course: Mapped[Course] = relationship()
    organization: Mapped[Organization] = relationship()
    signer: Mapped[Person | None] = relationship(foreign_keys=[signer_id])
    supersedes: Mapped[Certificate | None] = relationship(
        remote_side=[id], foreign_keys=[supersedes_id], back_populates="superseded_by"
    )
    superseded_by: Mapped[Certificate | None] = relationship(
        foreign_keys=[supersedes_id], back_populates="supersedes", uselist=False
    )

    def is_expired_on(self, day: date) -> bool:
        return self.expires_on is not None and day >= self.expires_on

    @property
    def is_revoked(self) -> bool:
        return self.status is CertificateStatus.REVOKED

    @property
    def is_live(self) -> bool:
        """Not replaced by a correction (it may still be revoked or expired)."""
        return self.status is not CertificateStatus.SUPERSEDED

    @property
    def course_title_with_code(self) -> str:
        """The course as printed, named once (see :func:`title_with_code`)."""
        return title_with_code(self.course_title, self.course_code)

    @property
    def display_serial(self) -> str:
        """The serial in groups of four, as printed: ``7KQ2-M9XA-...``."""
        return "-".join(self.serial[i : i + 4] for i in range(0, len(self.serial), 4))

    def state_on(self, day: date) -> CertificateState:
        """Valid, expired, revoked or superseded on ``day``."""
        if self.status is CertificateStatus.REVOKED:
            return CertificateState.REVOKED
        if self.status is CertificateStatus.SUPERSEDED:
            return CertificateState.SUPERSEDED
        if self.is_expired_on(day):
            return CertificateState.EXPIRED
        return CertificateState.VALID


class CertificateRewriteError(RuntimeError):
    """Code tried to change what an issued certificate says, or to delete one."""


#: The only columns that change after issue: a certificate is revoked or superseded.
MUTABLE_COLUMNS = frozenset({"status", "revoked_at", "revoked_by_id", "revoke_reason"})


@event.listens_for(Certificate, "before_insert")
def _complete_snapshot(mapper, connection, target):
    """Fill what the caller left out of the snapshot from the completion as it is now.

    The certificates feature always gives the whole snapshot (it signs it);
    this keeps any other writer from storing a certificate that says nothing.
    """
    given = (target.course_code, target.course_title, target.completed_on, target.organization_name)
    if all(given) and target.credit_hours is not None:
        return
    row = connection.execute(
        select(Course.code, Course.title, Completion.completed_on, Completion.credit_hours)
        .join(Course, Course.id == Completion.course_id)
        .where(Completion.id == target.completion_id)
    ).one_or_none()
    if row is not None:
        target.course_code = target.course_code or row.code
        target.course_title = target.course_title or row.title
        target.completed_on = target.completed_on or row.completed_on
        if target.credit_hours is None:
            target.credit_hours = row.credit_hours
    if not target.organization_name:
        target.organization_name = connection.scalar(
            select(Organization.name).where(Organization.id == target.organization_id)
        )


@event.listens_for(Certificate, "before_update")
def _refuse_rewrite(mapper, connection, target):
    state = inspect(target)
    changed = {
        attr.key for attr in mapper.column_attrs if state.attrs[attr.key].history.has_changes()
    }
    if changed - MUTABLE_COLUMNS:
        raise CertificateRewriteError(
            f"an issued certificate cannot be changed ({', '.join(sorted(changed))}); "
            "issue a correction that supersedes it"
        )
    status = state.attrs["status"].history
    if (
        status.has_changes()
        and status.deleted
        and status.deleted[0] is not CertificateStatus.ISSUED
    ):
        raise CertificateRewriteError(f"a {status.deleted[0].value} certificate is final")


@event.listens_for(Certificate, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise CertificateRewriteError("certificates are never deleted; revoke or supersede instead")

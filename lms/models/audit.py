"""The append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .people import Person


class AuditEvent(Base):
    """Who did what to which object, when and from where. Never updated or deleted.

    The database refuses UPDATE and DELETE on this table (triggers in the
    migrations); the ORM refuses them too, so the mistake fails early.

    ``subject_person_id`` is the person the event is about (the object itself,
    the holder of an enrollment, completion, certificate or cycle, or the
    ``person_id`` its details name), set by :func:`lms.core.audit`; the audit
    page filters on it. Each filter has an index ending in (occurred_at, id), the
    page's order, so a page is a short index range at any size of the log.
    """

    __tablename__ = "lms_audit_event"
    __table_args__ = (
        Index("ix_lms_audit_event_object", "object_type", "object_id"),
        Index("ix_lms_audit_event_when", "occurred_at", "id"),
        Index("ix_lms_audit_event_action_when", "action", "occurred_at", "id"),
        Index("ix_lms_audit_event_actor_when", "actor_id", "occurred_at", "id"),
        Index("ix_lms_audit_event_subject_when", "subject_person_id", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("lms_person.id"))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(64))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("lms_organization.id"))
    source_address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A search key, not a relation: no foreign key, so SQLite can drop the column
    # without rebuilding the table (and its append-only triggers).
    subject_person_id: Mapped[int | None]

    actor: Mapped[Person | None] = relationship()


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise AppendOnlyError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AppendOnlyError("audit events are append-only")

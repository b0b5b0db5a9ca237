"""Reads of the people feature."""

from __future__ import annotations

from sqlalchemy import select

from ..core import db_session
from ..models import AuditEvent, Enrollment, Person


def person_by_id(person_id: int) -> Person | None:
    """The person with this id, or None."""
    return db_session().get(Person, person_id)


def last_deactivation(person: Person) -> AuditEvent | None:
    """The audit record of the person's latest deactivation (its reason is in ``details``)."""
    return db_session().scalar(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == "Person",
            AuditEvent.object_id == str(person.id),
            AuditEvent.action == "person.deactivated",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def recent_enrollments(person: Person, limit: int = 10) -> list[Enrollment]:
    """The person's latest places (any status), the most recently made first."""
    return list(
        db_session()
        .scalars(
            select(Enrollment)
            .where(Enrollment.person_id == person.id)
            .order_by(Enrollment.id.desc())
            .limit(limit)
        )
        .unique()
    )

"""Helpers of the enrollment and scheduling tests: signals, statuses, audit, time."""

from __future__ import annotations

import contextlib
import html
import re
from datetime import timedelta

from lms.models import AuditEvent, Enrollment, EnrollmentStatus, utcnow


@contextlib.contextmanager
def captured(signal):
    """Record every send of ``signal`` while inside: its keyword arguments, objects as ids."""
    calls = []

    def receiver(sender, **kwargs):
        # Objects die with the request's database session: keep their ids.
        calls.append({k: getattr(v, "id", v) for k, v in kwargs.items()})

    signal.connect(receiver)
    try:
        yield calls
    finally:
        signal.disconnect(receiver)


def statuses(db, session):
    """person id -> status of the active places in ``session``, read from the database."""
    db.expire_all()
    rows = db.query(Enrollment).filter(
        Enrollment.session_id == session.id, Enrollment.status != EnrollmentStatus.CANCELLED
    )
    return {e.person_id: e.status for e in rows}


def audit_actions(db, action=None):
    db.expire_all()
    query = db.query(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.filter(AuditEvent.action == action)
    return list(query)


def starting_in(db, session, hours: float):
    """Move the session so its first meeting starts ``hours`` from now (lasting 4 hours)."""
    start = utcnow() + timedelta(hours=hours)
    for i, meeting in enumerate(session.meetings):
        meeting.starts_at = start + timedelta(days=i)
        meeting.ends_at = start + timedelta(days=i, hours=4)
    db.commit()
    return session


def flash_text(response) -> str:
    """The visible text of the page, tags stripped (for asserting messages)."""
    body = response.get_data(as_text=True)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))

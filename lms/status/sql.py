"""Certification status in SQL: the rule of :func:`~lms.status.queries.state_on`, as clauses.

Pages that filter, sort and page thousands of people by status (the people
directory) must do it in the database rather than load everyone. These
clauses say the same thing as ``state_on`` over the latest live expiry of
``latest_expiries``; ``tests/status/test_state_sql.py`` holds them to it.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.sql import Subquery

from ..models import Certification, CertificationTrack
from .queries import CertificationState, _counts_on


def latest_expiry(track_ids: list[int], day: date, *, per_track: bool = True) -> Subquery:
    """Subquery ``(person_id[, track_id], expires_on)``: latest live expiry granted by ``day``.

    With ``per_track`` False, one row per person: the soonest of their
    per-track latest expiries (when they are next due on any of these tracks).
    """
    latest = (
        select(
            Certification.person_id,
            Certification.track_id,
            func.max(Certification.expires_on).label("expires_on"),
        )
        .where(Certification.track_id.in_(track_ids or [-1]), _counts_on(day))
        .group_by(Certification.person_id, Certification.track_id)
    )
    if per_track:
        return latest.subquery("latest_expiry")
    inner = latest.subquery("latest_per_track")
    return (
        select(inner.c.person_id, func.min(inner.c.expires_on).label("expires_on"))
        .group_by(inner.c.person_id)
        .subquery("next_expiry")
    )


def state_clause(
    track: CertificationTrack, state: CertificationState, expires_on, day: date
) -> ColumnElement[bool]:
    """True where a latest expiry ``expires_on`` (NULL: none) means ``state`` on ``day``."""
    due_soon_until = day + timedelta(days=track.renewal_window_days)
    if state is CertificationState.NEVER:
        return expires_on.is_(None)
    if state is CertificationState.EXPIRED:
        return expires_on <= day
    if state is CertificationState.DUE_SOON:
        return and_(expires_on > day, expires_on <= due_soon_until)
    return expires_on > due_soon_until

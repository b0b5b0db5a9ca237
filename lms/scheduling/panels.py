"""What the scheduling feature adds to shared pages: links for training coordinators."""

from __future__ import annotations

from typing import Any

from ..auth.policy import can_schedule
from ..enrollment.queries import people_by_id
from ..models import CourseSession, Person


def session_panel(viewer: Person | None, session: CourseSession) -> dict[str, Any] | None:
    """Edit or cancel the session (coordinators only)."""
    if viewer is None or not can_schedule(viewer):
        return None
    cancelled_by = people_by_id([session.cancelled_by_id]).get(session.cancelled_by_id)
    return {"session": session, "cancelled_by": cancelled_by}


def dashboard_panel(person: Person) -> dict[str, Any] | None:
    """Where coordinators plan the calendar."""
    if not can_schedule(person):
        return None
    return {}

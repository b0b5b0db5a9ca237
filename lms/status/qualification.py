"""Instructor qualification: who may lead (or finalize) a course that names an instructor track."""

from __future__ import annotations

from datetime import date

from ..core import local_today
from ..models import Course, CourseSession, Person
from .queries import CertificationState, track_status


def lead_problem(person: Person, course: Course, day: date | None = None) -> str | None:
    """Why ``person`` may not lead ``course`` through ``day``; None when they may."""
    track = course.instructor_track
    if track is None:
        return None
    status = track_status(person.id, track, day)
    if status.is_current:
        return None
    if status.state is CertificationState.NEVER:
        return (
            f"{person.full_name} does not hold the {track.name} certification "
            f"required to lead {course.code}."
        )
    if status.expires_on > local_today():
        return (
            f"{person.full_name}'s {track.name} certification expires on "
            f"{status.expires_on.isoformat()}, before the session's last day; a current one "
            f"is required to lead {course.code}."
        )
    return (
        f"{person.full_name}'s {track.name} certification expired on "
        f"{status.expires_on.isoformat()}; a current one is required to lead {course.code}."
    )


def unqualified_leads(session: CourseSession, day: date | None = None) -> list[str]:
    """Problems with the lead instructors of ``session`` (empty when all may lead)."""
    problems = (lead_problem(p, session.course, day) for p in session.lead_instructors)
    return [p for p in problems if p]

"""Writes of the scheduling feature: sessions and their meetings, cancellations.

Every change is audited and signalled. A session's calendar revision (and each
changed meeting's iCalendar sequence) goes up whenever its time, place or status
changes, so subscribed calendars update. Changes that touch seats (capacity)
take the session's row lock and count seats inside it. Courses are written in
:mod:`lms.scheduling.course_operations`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app

from .. import signals
from ..calendar.operations import bump_revision
from ..core import audit, db_session, to_local
from ..enrollment import queries as enrollment_queries
from ..enrollment.places import lock_session, mark_cancelled, promote_waitlist
from ..formatting import format_local_datetime
from ..mail import invitations
from ..models import (
    Course,
    CourseSession,
    EnrollmentStatus,
    InstructorRemoval,
    InstructorRole,
    Meeting,
    Person,
    Role,
    SessionInstructor,
    SessionStatus,
    utcnow,
)
from ..status.qualification import lead_problem
from . import queries
from .times import MeetingTime


class SchedulingError(ValueError):
    """Changes that cannot be saved; ``problems`` pairs a form field (or None) with why."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


def jsonable(value: Any) -> Any:
    """A field's value as the audit log keeps it (JSON: dates as ISO text, enums by value)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value"):
        return value.value
    return value


def _app():
    return current_app._get_current_object()


# --- sessions ---------------------------------------------------------------------------


@dataclass
class SessionDraft:
    """A session as typed in its form (times already UTC), to be saved."""

    location: str
    capacity: int
    group_seat_cap: int | None
    is_public: bool
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    notes: str
    meetings: list[MeetingTime]
    lead_ids: list[int]
    assistant_ids: list[int]


def session_zone(course: Course) -> str:
    """The zone a new session of ``course`` is held (and its times typed) in."""
    return course.organization.timezone or current_app.config["LMS_TIMEZONE"]


def _instructor_problems(
    course: Course, draft: SessionDraft, zone: str
) -> list[tuple[str | None, str]]:
    people = enrollment_queries.people_by_id([*draft.lead_ids, *draft.assistant_ids])
    problems: list[tuple[str | None, str]] = []
    for field_name, ids in (("lead_ids", draft.lead_ids), ("assistant_ids", draft.assistant_ids)):
        for person_id in ids:
            person = people.get(person_id)
            if person is None or not person.has_role(Role.INSTRUCTOR):
                problems.append((field_name, "Only people holding the instructor role can teach."))
    if course.instructor_track is None or not draft.meetings:
        return problems
    # Current when the session is planned and still current on its last day.
    last_day = to_local(draft.meetings[-1].ends_at, zone).date()
    for person_id in draft.lead_ids:
        person = people.get(person_id)
        problem = person and lead_problem(person, course, last_day)
        if problem:
            problems.append(("lead_ids", problem))
    return problems


def _set_instructors(
    session: CourseSession, draft: SessionDraft, actor: Person
) -> dict[str, list[int]] | None:
    """Make the session's instructors the draft's; each one taken off is recorded
    (their calendar shows the session cancelled for a while)."""
    wanted = {pid: InstructorRole.LEAD for pid in draft.lead_ids}
    wanted.update({pid: InstructorRole.ASSISTANT for pid in draft.assistant_ids})
    before = {i.person_id: i.role for i in session.instructors}
    if before == wanted:
        return None
    for link in list(session.instructors):
        if link.person_id not in wanted:
            session.instructors.remove(link)
            db_session().add(
                InstructorRemoval(
                    session_id=session.id, person_id=link.person_id, removed_by_id=actor.id
                )
            )
        else:
            link.role = wanted[link.person_id]
    for person_id, role in wanted.items():
        if person_id not in before:
            session.instructors.append(SessionInstructor(person_id=person_id, role=role))
    return {
        "lead_ids": sorted(p for p, r in wanted.items() if r is InstructorRole.LEAD),
        "assistant_ids": sorted(p for p, r in wanted.items() if r is InstructorRole.ASSISTANT),
    }


def create_session(course: Course, draft: SessionDraft, actor: Person) -> CourseSession:
    """Schedule a session of ``course``; times in ``draft`` are UTC already."""
    zone = session_zone(course)
    problems = _instructor_problems(course, draft, zone)
    if not course.active:
        problems.append(("course_id", f"{course.code} is retired; restore it first."))
    if problems:
        raise SchedulingError(problems)
    session = CourseSession(
        course=course,
        organization_id=course.organization_id,
        timezone=zone,
        location=draft.location,
        capacity=draft.capacity,
        group_seat_cap=draft.group_seat_cap,
        is_public=draft.is_public,
        registration_opens_at=draft.registration_opens_at,
        registration_closes_at=draft.registration_closes_at,
        notes=draft.notes,
        created_by_id=actor.id,
    )
    for m in draft.meetings:
        session.meetings.append(
            Meeting(starts_at=m.starts_at, ends_at=m.ends_at, location=m.location)
        )
    _set_instructors(session, draft, actor)
    db_session().add(session)
    db_session().flush()
    audit(
        "session.scheduled",
        session,
        actor=actor,
        details={
            "course": course.code,
            "capacity": draft.capacity,
            "meetings": [[m.starts_at.isoformat(), m.ends_at.isoformat()] for m in draft.meetings],
        },
    )
    signals.session_scheduled.send(_app(), session=session, actor=actor)
    return session


def update_session(session_id: int, draft: SessionDraft, actor: Person) -> dict[str, Any]:
    """Change a session; a capacity below the seats held is refused, a rise seats the waitlist."""
    session = lock_session(session_id)
    if session.is_cancelled:
        raise SchedulingError([(None, "A cancelled session cannot be changed.")])
    if session.roster_finalized_at is not None or session.status is SessionStatus.COMPLETED:
        raise SchedulingError([(None, "This session's roster is finalized; it cannot be changed.")])
    problems = _instructor_problems(session.course, draft, session.timezone)
    count = enrollment_queries.count_seats(session)
    taken = count.held + count.reserved_open_total
    if draft.capacity < taken:
        reserved = (
            f" and {count.reserved_open_total} more are reserved by groups"
            if count.reserved_open_total
            else ""
        )
        problems.append(
            (
                "capacity",
                f"{count.held} people hold seats{reserved}: the capacity cannot be below {taken}. "
                "Cancel places first.",
            )
        )
    existing = {m.id: m for m in session.meetings}
    kept_ids = {m.meeting_id for m in draft.meetings if m.meeting_id in existing}
    removed = [m for mid, m in existing.items() if mid not in kept_ids]
    for meeting_id in queries.meetings_with_attendance(m.id for m in removed):
        when = format_local_datetime(existing[meeting_id].starts_at, session.timezone)
        problems.append(("meetings", f"The meeting of {when} has attendance recorded; keep it."))
    if problems:
        raise SchedulingError(problems)
    # Read before anything changes: the removed days as each seated person's calendar has them.
    withdrawn = invitations.meetings_to_remove(session, removed)

    changes: dict[str, Any] = {}
    for name in (
        "location",
        "capacity",
        "group_seat_cap",
        "is_public",
        "registration_opens_at",
        "registration_closes_at",
        "notes",
    ):
        old, new = getattr(session, name), getattr(draft, name)
        if old != new:
            changes[name] = [jsonable(old), jsonable(new)]
            setattr(session, name, new)

    retimed = False  # a meeting kept or added has new times or place
    changed_meetings: list[Meeting] = []
    for meeting in removed:
        session.meetings.remove(meeting)
    for m in draft.meetings:
        meeting = existing.get(m.meeting_id) if m.meeting_id in kept_ids else None
        if meeting is None:
            session.meetings.append(
                Meeting(starts_at=m.starts_at, ends_at=m.ends_at, location=m.location)
            )
            retimed = True
        elif (meeting.starts_at, meeting.ends_at, meeting.location) != (
            m.starts_at,
            m.ends_at,
            m.location,
        ):
            meeting.starts_at, meeting.ends_at, meeting.location = (
                m.starts_at,
                m.ends_at,
                m.location,
            )
            changed_meetings.append(meeting)
            retimed = True
    moved = retimed or bool(removed)
    if moved:
        changes["meetings"] = [
            [m.starts_at.isoformat(), m.ends_at.isoformat()] for m in draft.meetings
        ]
    instructors = _set_instructors(session, draft, actor)
    if instructors:
        changes["instructors"] = instructors
    if "location" in changes:
        # Meetings without their own place moved with the session.
        changed_meetings += [
            m
            for m in session.meetings
            if m.location is None and m.id in kept_ids and m not in changed_meetings
        ]
    if moved or "location" in changes:
        bump_revision(session, changed_meetings)
    db_session().flush()
    db_session().expire(session, ["meetings"])
    if changes:
        audit("session.changed", session, actor=actor, details={"changes": changes})
        signals.session_changed.send(_app(), session=session, actor=actor, changes=changes)
    if retimed or "location" in changes:
        invitations.session_moved(session)
    # Days taken off: a CANCEL of just those (a REQUEST without them would remove nothing).
    invitations.meetings_removed(withdrawn)
    promote_waitlist(session, actor)
    return changes


def cancel_session(session_id: int, actor: Person, reason: str) -> CourseSession:
    """Cancel a session and every place in it (kept, with who and why)."""
    session = lock_session(session_id)
    if session.is_cancelled:
        raise SchedulingError([(None, "This session is already cancelled.")])
    now = utcnow()
    if session.roster_finalized_at is not None or (session.ends_at and session.ends_at <= now):
        raise SchedulingError([(None, "This session has taken place; it cannot be cancelled.")])
    roster = enrollment_queries.session_roster(session)
    places = [e for e in roster.holding if e.status is EnrollmentStatus.ENROLLED]
    places += [e for _, e in roster.waitlisted]
    for enrollment in places:
        mark_cancelled(enrollment, actor, f"Session cancelled: {reason}", session_cancelled=True)
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = now
    session.cancelled_by_id = actor.id
    session.cancel_reason = reason
    bump_revision(session, now=now)
    db_session().flush()
    audit(
        "session.cancelled",
        session,
        actor=actor,
        details={
            "reason": reason,
            "enrollments_cancelled": len(places),
            "revision": session.revision,
        },
    )
    signals.session_cancelled.send(_app(), session=session, actor=actor, reason=reason)
    invitations.session_cancelled(session, places)
    return session

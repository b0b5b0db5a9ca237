"""Reads of the audit log: filtered pages in keyset order, and the names they mention.

Pages are sought, never counted off: the newest first, ordered by
(occurred_at, id), a page after (or before) a given event starting from that
event's position. Every filter has an index ending in those two columns
(migration ``audit_indexes``), so a page reads about as many index entries as
it shows, at any size of the log.

"As actor or subject" runs two such seeks (one per index) and merges them,
rather than an OR that neither index could serve in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, literal, or_, select, tuple_

from ..core import contains_text, db_session, to_local
from ..models import (
    AuditEvent,
    CertificationTrack,
    Course,
    CourseSession,
    Meeting,
    Organization,
    Person,
)
from .words import Names, as_int

PAGE_SIZE = 50

#: Whom the person filter matches: "either" is actor or subject.
PERSON_ROLES = ("either", "actor", "subject")


@dataclass(frozen=True)
class Filters:
    """What the page asks for; None is "any". Instants are UTC, ``ends_at`` excluded."""

    person_id: int | None = None
    person_role: str = "either"
    object_type: str | None = None
    object_id: str | None = None
    action: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class Page:
    """Events newest first, and the cursors (event ids) of the pages around it."""

    events: list[AuditEvent]
    newer: int | None
    older: int | None


def local_day_bounds(
    first: date | None, last: date | None, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """The UTC instants bounding the department's days ``first`` to ``last`` (inclusive).

    Each bound is that day's local midnight, so a day is 23 or 25 hours long
    across a daylight-saving change, as it was lived.
    """

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)

    return (
        midnight(first) if first else None,
        midnight(last + timedelta(days=1)) if last else None,
    )


def _conditions(filters: Filters) -> list:
    conditions = []
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.object_type:
        conditions.append(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        conditions.append(AuditEvent.object_id == filters.object_id)
    if filters.starts_at:
        conditions.append(AuditEvent.occurred_at >= filters.starts_at)
    if filters.ends_at:
        conditions.append(AuditEvent.occurred_at < filters.ends_at)
    return conditions


def _person_branches(filters: Filters) -> list[list]:
    """One list of conditions per seek: the person as actor, as subject, or both."""
    person = filters.person_id
    if person is None:
        return [[]]
    branches = []
    if filters.person_role in ("either", "actor"):
        branches.append([AuditEvent.actor_id == person])
    if filters.person_role in ("either", "subject"):
        branches.append([AuditEvent.subject_person_id == person])
    return branches


def _position(event_id: int) -> tuple[datetime, int] | None:
    row = (
        db_session()
        .execute(select(AuditEvent.occurred_at, AuditEvent.id).where(AuditEvent.id == event_id))
        .first()
    )
    return (row[0], row[1]) if row else None


def events_page(
    filters: Filters,
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """A page of events matching ``filters``, newest first.

    ``before``: the page of events older than that event's; ``after``: the page
    of events newer than it (read oldest first, shown newest first). An unknown
    cursor gives the first page.
    """
    newest_first = after is None or before is not None
    cursor = before if newest_first else after
    position = _position(cursor) if cursor is not None else None
    conditions = _conditions(filters)
    key = tuple_(AuditEvent.occurred_at, AuditEvent.id)
    if position is not None:
        at = tuple_(literal(position[0], AuditEvent.occurred_at.type), literal(position[1]))
        conditions.append(key < at if newest_first else key > at)
    if newest_first:
        order = (AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    else:
        order = (AuditEvent.occurred_at.asc(), AuditEvent.id.asc())
    found: dict[int, AuditEvent] = {}
    for branch in _person_branches(filters):
        statement = select(AuditEvent).where(*conditions, *branch).order_by(*order)
        for event in db_session().scalars(statement.limit(size + 1)):
            found[event.id] = event
    events = sorted(found.values(), key=lambda e: (e.occurred_at, e.id), reverse=newest_first)
    more = len(events) > size
    events = events[:size]
    if not newest_first:
        events.reverse()
    if not events:
        return Page([], None, None)
    if newest_first:
        return Page(events, events[0].id if position else None, events[-1].id if more else None)
    return Page(events, events[0].id if more else None, events[-1].id)


def all_events(filters: Filters, batch: int = 1000) -> Iterator[list[AuditEvent]]:
    """Every matching event, newest first, in batches (for the export)."""
    page = events_page(filters, size=batch)
    while page.events:
        yield page.events
        if page.older is None:
            return
        page = events_page(filters, before=page.older, size=batch)


# --- names -------------------------------------------------------------------------------


def _ids(values: Iterable) -> set[int]:
    return {i for i in (as_int(v) for v in values) if i is not None}


def names_for(events: list[AuditEvent]) -> Names:
    """The labels ``events`` need: one query per kind of thing named, whatever their number."""
    people, sessions, courses, organizations, tracks = set(), set(), set(), set(), set()
    for event in events:
        details = event.details if isinstance(event.details, dict) else {}
        people |= _ids([event.actor_id, event.subject_person_id, details.get("person_id")])
        sessions |= _ids([details.get("session_id")])
        organizations |= _ids(
            [event.organization_id, details.get("group_id"), details.get("organization_id")]
        )
        target = {
            "Person": people,
            "CourseSession": sessions,
            "Course": courses,
            "CertificationTrack": tracks,
        }
        if event.object_type in target:
            target[event.object_type] |= _ids([event.object_id])
    session = db_session()
    return Names(
        people=_labels(session, select(Person.id, Person.full_name), Person.id, people),
        sessions=_session_labels(sessions),
        courses=_labels(session, select(Course.id, Course.code), Course.id, courses),
        organizations=_labels(
            session, select(Organization.id, Organization.name), Organization.id, organizations
        ),
        tracks=_labels(
            session,
            select(CertificationTrack.id, CertificationTrack.code),
            CertificationTrack.id,
            tracks,
        ),
    )


def _labels(session, statement, column, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(statement.where(column.in_(ids))).all())


def _session_labels(ids: set[int]) -> dict[int, str]:
    """'ALERRT-REFRESH 13 Dec 2026': the course and first day of each session."""
    if not ids:
        return {}
    rows = (
        db_session()
        .execute(
            select(
                CourseSession.id, Course.code, CourseSession.timezone, func.min(Meeting.starts_at)
            )
            .join(Course, Course.id == CourseSession.course_id)
            .outerjoin(Meeting, Meeting.session_id == CourseSession.id)
            .where(CourseSession.id.in_(ids))
            .group_by(CourseSession.id, Course.code, CourseSession.timezone)
        )
        .all()
    )
    labels = {}
    for session_id, code, zone, starts_at in rows:
        if starts_at is not None and starts_at.tzinfo is None:
            starts_at = starts_at.replace(tzinfo=UTC)  # SQLite's aggregate loses the type
        day = to_local(starts_at, zone).strftime("%d %b %Y") if starts_at else "(no meetings)"
        labels[session_id] = f"{code} {day}"
    return labels


def people_matching(text: str, limit: int = 10) -> list[Person]:
    """People whose name or email contains ``text``, or whose badge or employee number is it."""
    text = text.strip()
    return list(
        db_session().scalars(
            select(Person)
            .where(
                or_(
                    contains_text(Person.full_name, text),
                    contains_text(Person.email, text),
                    Person.badge_number == text,
                    Person.employee_number == text,
                )
            )
            .order_by(Person.full_name, Person.id)
            .limit(limit)
        )
    )


def person_name(person_id: int) -> str | None:
    return db_session().scalar(select(Person.full_name).where(Person.id == person_id))

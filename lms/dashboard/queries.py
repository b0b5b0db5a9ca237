"""Reads behind the dashboards: what the database holds for the signed-in person."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import contains_eager, lazyload, load_only, selectinload

from ..core import db_session
from ..enrollment.queries import waitlist_positions
from ..models import (
    PLACE_LISTING,
    SEAT_HOLDING,
    Course,
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    Meeting,
    Organization,
    Person,
    SessionInstructor,
    SessionStatus,
    utcnow,
)


@dataclass
class EnrollmentRow:
    enrollment: Enrollment
    waitlist_position: int | None


def _session_has_future_meeting(now):
    return exists().where(Meeting.session_id == CourseSession.id, Meeting.ends_at > now)


@cache
def _places_statement() -> Select:
    """A person's places, with whether each session has a meeting ahead; built once.

    Binds ``person_id`` and ``now``. Reads what the dashboard shows: the status,
    the session's course title, meetings and location; not the person again (with
    their organization), the seat counts' subqueries nor the course's rules. The
    session is the one joined for the "still ahead" test, not joined twice; its
    meetings join too (a second statement, the default, cost more to prepare
    than to run).
    """
    session = contains_eager(Enrollment.session)
    return (
        select(Enrollment, _session_has_future_meeting(bindparam("now")).label("upcoming"))
        .join(Enrollment.session)
        .where(Enrollment.person_id == bindparam("person_id"))
        .order_by(Enrollment.created_at.desc())
        .options(
            load_only(Enrollment.session_id, Enrollment.status, Enrollment.created_at),
            lazyload(Enrollment.person),
            session.load_only(
                CourseSession.timezone, CourseSession.location, CourseSession.course_id
            ),
            session.defaultload(CourseSession.course).load_only(Course.title),
            session.joinedload(CourseSession.meetings),
            *PLACE_LISTING,
        )
    )


def my_enrollments(person: Person) -> tuple[list[EnrollmentRow], list[EnrollmentRow]]:
    """The person's enrollments in sessions still to come, and in those already over.

    One statement for both: whether a session still has a meeting ahead rides
    along as a column. Cancelled places are left out of the coming ones only.
    """
    now = utcnow()
    rows = db_session().execute(_places_statement(), {"person_id": person.id, "now": now})
    upcoming, history = [], []
    for enrollment, ahead in rows.unique():
        if not ahead:
            history.append(enrollment)
        elif enrollment.status is not EnrollmentStatus.CANCELLED:
            upcoming.append(enrollment)
    upcoming.sort(key=lambda e: e.session.starts_at or now)
    history.sort(key=lambda e: e.session.starts_at or now, reverse=True)
    positions = waitlist_positions(
        [e.session_id for e in upcoming + history if e.status is EnrollmentStatus.WAITLISTED]
    )
    return (
        [EnrollmentRow(e, positions.get(e.id)) for e in upcoming],
        [EnrollmentRow(e, positions.get(e.id)) for e in history],
    )


def sessions_taught(person: Person) -> list[CourseSession]:
    """Upcoming sessions the person teaches, soonest first."""
    now = utcnow()
    sessions = (
        db_session()
        .scalars(
            select(CourseSession)
            .join(SessionInstructor, SessionInstructor.session_id == CourseSession.id)
            .where(SessionInstructor.person_id == person.id, _session_has_future_meeting(now))
        )
        .unique()
    )
    return sorted(sessions, key=lambda s: s.starts_at or now)


def schedule_overview(limit: int = 20) -> list[CourseSession]:
    """Coming sessions with their fill, for coordinators."""
    now = utcnow()
    sessions = (
        db_session()
        .scalars(
            select(CourseSession)
            .where(_session_has_future_meeting(now))
            .where(CourseSession.status != SessionStatus.CANCELLED)
        )
        .unique()
    )
    return sorted(sessions, key=lambda s: s.starts_at or now)[:limit]


@dataclass
class OrganizationCount:
    organization: Organization
    people: int
    enrolled_upcoming: int


def organization_counts(organization_ids: set[int] | None) -> list[OrganizationCount]:
    """People per organization and how many hold a seat in a coming session."""
    now = utcnow()
    people = (
        select(Person.organization_id, func.count(Person.id).label("n"))
        .group_by(Person.organization_id)
        .subquery()
    )
    enrolled = (
        select(
            Enrollment.organization_id, func.count(func.distinct(Enrollment.person_id)).label("n")
        )
        .join(CourseSession, CourseSession.id == Enrollment.session_id)
        .where(
            Enrollment.status.in_([s.value for s in SEAT_HOLDING]),
            _session_has_future_meeting(now),
        )
        .group_by(Enrollment.organization_id)
        .subquery()
    )
    query = (
        select(Organization, people.c.n, enrolled.c.n)
        .outerjoin(people, people.c.organization_id == Organization.id)
        .outerjoin(enrolled, enrolled.c.organization_id == Organization.id)
        .order_by(Organization.kind, Organization.name)
    )
    if organization_ids is not None:
        query = query.where(Organization.id.in_(organization_ids or {-1}))
    return [OrganizationCount(org, p or 0, e or 0) for org, p, e in db_session().execute(query)]


def group_members(organization_id: int) -> list[tuple[Person, list[Enrollment]]]:
    """A group's people with their active enrollments."""
    people = (
        db_session()
        .scalars(
            select(Person)
            .where(Person.organization_id == organization_id)
            .order_by(Person.full_name)
        )
        .all()
    )
    enrollments = (
        db_session()
        .scalars(
            select(Enrollment)
            .where(
                Enrollment.person_id.in_([p.id for p in people]),
                Enrollment.status != EnrollmentStatus.CANCELLED,
            )
            .options(selectinload(Enrollment.session).selectinload(CourseSession.meetings))
        )
        .unique()
    )
    by_person: dict[int, list[Enrollment]] = {}
    for enrollment in enrollments:
        by_person.setdefault(enrollment.person_id, []).append(enrollment)
    return [(p, by_person.get(p.id, [])) for p in people]

"""The officer's overview: each track that concerns a person, their standing on it,
their places in coming sessions of its courses, and the open sessions to renew in.

Shown on the dashboard, the status page and a person's page. Every read is of
columns (the pages show a few facts of up to 50 sessions, never their objects),
by statements built once per process; three statements in all, the tracks' routes
being kept per process (:mod:`lms.site_cache`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, bindparam, exists, func, select

from ..core import local_today, read, to_local
from ..models import (
    CertificationTrack,
    Course,
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    Meeting,
    Person,
    SessionStatus,
    utcnow,
)
from ..models.enrollment import free_seats
from .queries import CertificationState, TrackStatus, person_statuses
from .routes import TrackRoutes, track_routes


@dataclass(frozen=True)
class OfferedSession:
    """A session the overview offers: not begun, open for registration, with a free seat.

    Its facts as read-only columns: an officer's page lists up to 50 of these, and
    building each as a session with its course and meetings was most of its cost.
    """

    id: int
    course_id: int
    course_code: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    meeting_count: int
    seats_left: int


@dataclass(frozen=True)
class ComingPlace:
    """The person's place (enrolled or waitlisted) in a coming session, as columns."""

    session_id: int
    course_id: int
    course_title: str
    timezone: str
    starts_at: datetime | None
    status: EnrollmentStatus


@dataclass
class TrackOverview:
    """What an officer needs about one track: standing, how to renew, where to go."""

    status: TrackStatus
    routes: TrackRoutes
    enrolled: list[ComingPlace]
    open_sessions: list[OfferedSession]
    open_sessions_finish_in_time: bool

    @property
    def track(self) -> CertificationTrack:
        return self.status.track

    @property
    def needs_action(self) -> bool:
        return self.status.state is not CertificationState.CURRENT


@cache
def _open_sessions_statement() -> Select:
    """Built once per process; ``course_ids``, ``person_id`` and ``now`` are bound per call."""
    now = bindparam("now")
    already = exists().where(
        Enrollment.session_id == CourseSession.id,
        Enrollment.person_id == bindparam("person_id"),
        Enrollment.status != EnrollmentStatus.CANCELLED,
    )
    meeting_count = (
        select(func.count(Meeting.id))
        .where(Meeting.session_id == CourseSession.id)
        .correlate(CourseSession)
        .scalar_subquery()
    )
    return (
        select(
            CourseSession.id,
            CourseSession.course_id,
            Course.code,
            CourseSession.timezone,
            CourseSession.starts_at,
            CourseSession.ends_at,
            meeting_count,
            CourseSession.capacity,
            CourseSession.seats_taken,
            CourseSession.seats_reserved_open,
        )
        .join(Course, Course.id == CourseSession.course_id)
        .where(
            CourseSession.course_id.in_(bindparam("course_ids", expanding=True)),
            CourseSession.open_for_registration(now),
            ~already,
        )
        .order_by(CourseSession.starts_at, CourseSession.id)
        .limit(50)
    )


def _open_sessions(course_ids: set[int], person_id: int) -> list[OfferedSession]:
    """Sessions of these courses not yet begun, open for registration, with a free seat."""
    if not course_ids:
        return []
    rows = read(
        _open_sessions_statement(),
        {"course_ids": sorted(course_ids), "person_id": person_id, "now": utcnow()},
    )
    offered = (
        OfferedSession(*facts, free_seats(capacity, taken, reserved))
        for *facts, capacity, taken, reserved in rows
    )
    return [s for s in offered if s.seats_left > 0]


@cache
def _coming_places_statement() -> Select:
    """Built once per process; ``person_id``, ``course_ids`` and ``now`` are bound per call."""
    future = exists().where(
        Meeting.session_id == CourseSession.id, Meeting.ends_at > bindparam("now")
    )
    return (
        select(
            Enrollment.session_id,
            CourseSession.course_id,
            Course.title,
            CourseSession.timezone,
            CourseSession.starts_at,
            Enrollment.status,
        )
        .join(CourseSession, CourseSession.id == Enrollment.session_id)
        .join(Course, Course.id == CourseSession.course_id)
        .where(
            Enrollment.person_id == bindparam("person_id"),
            Enrollment.status.in_([EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED]),
            CourseSession.course_id.in_(bindparam("course_ids", expanding=True)),
            CourseSession.status != SessionStatus.CANCELLED,
            future,
        )
    )


def _coming_places(person_id: int, course_ids: set[int]) -> list[ComingPlace]:
    if not course_ids:
        return []
    now = utcnow()
    rows = read(
        _coming_places_statement(),
        {"person_id": person_id, "course_ids": sorted(course_ids), "now": now},
    )
    return sorted((ComingPlace(*row) for row in rows), key=lambda p: p.starts_at or now)


def _finishes_before(session: OfferedSession, day: date) -> bool:
    ends = to_local(session.ends_at)
    return ends is not None and ends.date() < day


def person_overview(person: Person, day: date | None = None) -> list[TrackOverview]:
    """Every track that concerns ``person``, with what to do next; a handful of queries.

    A track concerns a person who holds (or held) a cycle on it, whose roles it
    is required of, or who is enrolled in a course that earns it.
    """
    day = day or local_today()
    statuses = person_statuses(person.id, day)
    routes = track_routes([s.track for s in statuses])
    roles = person.role_set
    all_course_ids = set().union(*(r.course_ids for r in routes.values())) if routes else set()
    places = _coming_places(person.id, all_course_ids)
    enrolled_course_ids = {p.course_id for p in places}
    concerned = [
        s
        for s in statuses
        if s.expires_on is not None
        or roles & routes[s.track.id].required_of
        or routes[s.track.id].course_ids & enrolled_course_ids
    ]
    if not concerned:
        return []
    open_sessions = _open_sessions(
        set().union(*(routes[s.track.id].course_ids for s in concerned)), person.id
    )
    overview = []
    for status in concerned:
        track, expires_on = status.track, status.expires_on
        course_ids = routes[track.id].course_ids
        mine = [p for p in places if p.course_id in course_ids]
        candidates = [s for s in open_sessions if s.course_id in course_ids]
        in_time = candidates
        if status.state is CertificationState.DUE_SOON:
            in_time = [s for s in candidates if _finishes_before(s, expires_on)]
        elif status.state is CertificationState.CURRENT:
            # Not due yet: offer classes once the renewal window is open.
            in_time = [
                s
                for s in candidates
                if _finishes_before(s, expires_on)
                and to_local(s.starts_at).date() >= status.window_opens_on
            ]
        overview.append(
            TrackOverview(
                status=status,
                routes=routes[track.id],
                enrolled=mine,
                open_sessions=(in_time or candidates)[:5],
                open_sessions_finish_in_time=bool(in_time)
                or status.state is not CertificationState.DUE_SOON,
            )
        )
    return overview

"""Certification status: current, due soon, expired or never, per person and track.

Status is derived from the certification cycles, never stored: the latest
expiry among live (not revoked) cycles granted by the day asked about decides
it. Every function here reads in a fixed number of queries, whatever the
number of people, so pages and reports stay flat as the department grows.

Here: the standing of some people on some tracks, a person's cycles and the
officer's overview. Elsewhere: everyone at once (:mod:`lms.status.population`),
how tracks are earned (:mod:`lms.status.routes`), the cycle records the writes
plan from (:mod:`lms.status.cycles`), instructor qualification
(:mod:`lms.status.qualification`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import joinedload, selectinload

from ..core import db_session, local_today, to_local
from ..models import (
    SESSION_LISTING,
    Certification,
    CertificationTrack,
    Completion,
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
from .cycles import counts_on
from .routes import TrackRoutes, track_routes


class CertificationState(enum.StrEnum):
    CURRENT = "current"
    DUE_SOON = "due_soon"
    EXPIRED = "expired"
    NEVER = "never"

    @property
    def label(self) -> str:
        return {
            "current": "Current",
            "due_soon": "Due soon",
            "expired": "Expired",
            "never": "Never certified",
        }[self.value]


#: Display order of states: best first.
STATE_ORDER = (
    CertificationState.CURRENT,
    CertificationState.DUE_SOON,
    CertificationState.EXPIRED,
    CertificationState.NEVER,
)


@dataclass(frozen=True)
class TrackStatus:
    """A person's standing on one track on one day."""

    track: CertificationTrack
    state: CertificationState
    expires_on: date | None = None

    @property
    def due_on(self) -> date | None:
        """The day renewal is due: the day the certification lapses."""
        return self.expires_on

    @property
    def window_opens_on(self) -> date | None:
        if self.expires_on is None:
            return None
        return self.expires_on - timedelta(days=self.track.renewal_window_days)

    @property
    def is_current(self) -> bool:
        """Certified today (due soon still counts as certified)."""
        return self.state in (CertificationState.CURRENT, CertificationState.DUE_SOON)


def state_on(track: CertificationTrack, expires_on: date | None, day: date) -> CertificationState:
    """The state for a latest expiry of ``expires_on`` (None: never certified)."""
    if expires_on is None:
        return CertificationState.NEVER
    if day >= expires_on:
        return CertificationState.EXPIRED
    if day >= expires_on - timedelta(days=track.renewal_window_days):
        return CertificationState.DUE_SOON
    return CertificationState.CURRENT


def latest_expiries(
    person_ids: Iterable[int], track_ids: Iterable[int], day: date
) -> dict[tuple[int, int], date]:
    """(person, track) -> latest expiry of live cycles granted on or before ``day``; one query."""
    person_ids, track_ids = list(person_ids), list(track_ids)
    if not person_ids or not track_ids:
        return {}
    rows = db_session().execute(
        _latest_expiries_statement(),
        {"person_ids": person_ids, "track_ids": track_ids, "day": day},
    )
    return {(p, t): expiry for p, t, expiry in rows}


@cache
def _latest_expiries_statement() -> Select:
    """Built once per process; ``person_ids``, ``track_ids`` and ``day`` are bound per call."""
    return (
        select(Certification.person_id, Certification.track_id, func.max(Certification.expires_on))
        .where(
            Certification.person_id.in_(bindparam("person_ids", expanding=True)),
            Certification.track_id.in_(bindparam("track_ids", expanding=True)),
            counts_on(bindparam("day")),
        )
        .group_by(Certification.person_id, Certification.track_id)
    )


@cache
def _all_tracks_statement() -> Select:
    return select(CertificationTrack).order_by(CertificationTrack.name)


def all_tracks() -> list[CertificationTrack]:
    """Every certification track, by name."""
    return list(db_session().scalars(_all_tracks_statement()))


def statuses_for(
    person_ids: Iterable[int],
    tracks: list[CertificationTrack] | None = None,
    day: date | None = None,
) -> dict[tuple[int, int], TrackStatus]:
    """Status of every (person, track) pair, in two queries whatever the number of people."""
    tracks = tracks if tracks is not None else all_tracks()
    day = day or local_today()
    person_ids = list(person_ids)
    expiries = latest_expiries(person_ids, [t.id for t in tracks], day)
    return {
        (person_id, track.id): TrackStatus(
            track,
            state_on(track, expiries.get((person_id, track.id)), day),
            expiries.get((person_id, track.id)),
        )
        for person_id in person_ids
        for track in tracks
    }


def track_status(person_id: int, track: CertificationTrack, day: date | None = None) -> TrackStatus:
    """One person's status on one track."""
    return statuses_for([person_id], [track], day)[(person_id, track.id)]


def is_current(person_id: int, track: CertificationTrack, day: date | None = None) -> bool:
    """Whether the person is certified on ``track`` on ``day`` (due soon counts)."""
    return track_status(person_id, track, day).is_current


# --- cycles (history) ----------------------------------------------------------


@cache
def _cycles_statement() -> Select:
    """A person's cycles (``person_id`` bound per call) with what earned each; built once.

    The completion and its course ride along in the same statement; a taught
    session comes with its meetings (its day) but not its instructors, and no
    course brings its prerequisites: the history names a code and a day.
    """
    return (
        select(Certification)
        .where(Certification.person_id == bindparam("person_id"))
        .options(
            joinedload(Certification.completion)
            .joinedload(Completion.course)
            .lazyload(Course.prerequisites),
            selectinload(Certification.taught_session).options(*SESSION_LISTING),
        )
        .order_by(Certification.granted_on.desc(), Certification.id.desc())
    )


def cycles_of(person_id: int) -> list[Certification]:
    """Every cycle of a person on every track, revoked ones included, newest first."""
    return list(db_session().scalars(_cycles_statement(), {"person_id": person_id}))


# --- one person's overview (the officer's dashboard) ----------------------------


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
    rows = db_session().execute(
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
    rows = db_session().execute(
        _coming_places_statement(),
        {"person_id": person_id, "course_ids": sorted(course_ids), "now": now},
    )
    return sorted((ComingPlace(*row) for row in rows), key=lambda p: p.starts_at or now)


def _finishes_before(session: OfferedSession, day: date) -> bool:
    ends = to_local(session.ends_at)
    return ends is not None and ends.date() < day


@cache
def _tracks_statement() -> Select:
    """Every track by name, with the latest expiry of the live cycles of ``person_id``
    granted by ``day`` (both bound per call; NULL: none). Built once."""
    latest = (
        select(func.max(Certification.expires_on))
        .where(
            Certification.track_id == CertificationTrack.id,
            Certification.person_id == bindparam("person_id"),
            counts_on(bindparam("day")),
        )
        .correlate(CertificationTrack)
        .scalar_subquery()
    )
    return select(CertificationTrack, latest).order_by(CertificationTrack.name)


def person_statuses(person_id: int, day: date) -> list[TrackStatus]:
    """One person's status on every track, by track name: one statement, where
    :func:`statuses_for` takes two (the tracks, then the expiries)."""
    rows = db_session().execute(_tracks_statement(), {"person_id": person_id, "day": day})
    return [TrackStatus(track, state_on(track, expiry, day), expiry) for track, expiry in rows]


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

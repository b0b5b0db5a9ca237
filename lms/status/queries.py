"""Certification status: current, due soon, expired or never, per person and track.

Status is derived from the certification cycles, never stored: the latest
expiry among live (not revoked) cycles granted by the day asked about decides
it. Every function here reads in a fixed number of queries, whatever the
number of people, so pages and reports stay flat as the department grows.
"""

from __future__ import annotations

import enum
import gc
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, lazyload, selectinload

from ..core import db_session, local_today, to_local
from ..models import (
    Audience,
    Certification,
    CertificationTrack,
    Completion,
    Course,
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    Meeting,
    Person,
    RenewalMethod,
    Role,
    RoleAssignment,
    SessionStatus,
    TrackRenewalPath,
    utcnow,
)
from .renewal import CycleFacts, RouteCourses


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


def _counts_on(day: date):
    """Cycles that count on ``day``: granted by then and not revoked."""
    return and_(Certification.granted_on <= day, Certification.revoked_at.is_(None))


def latest_expiries(
    person_ids: Iterable[int], track_ids: Iterable[int], day: date
) -> dict[tuple[int, int], date]:
    """(person, track) -> latest expiry of live cycles granted on or before ``day``; one query."""
    person_ids, track_ids = list(person_ids), list(track_ids)
    if not person_ids or not track_ids:
        return {}
    rows = db_session().execute(
        select(Certification.person_id, Certification.track_id, func.max(Certification.expires_on))
        .where(
            Certification.person_id.in_(person_ids),
            Certification.track_id.in_(track_ids),
            _counts_on(day),
        )
        .group_by(Certification.person_id, Certification.track_id)
    )
    return {(p, t): expiry for p, t, expiry in rows}


def all_tracks() -> list[CertificationTrack]:
    return list(db_session().scalars(select(CertificationTrack).order_by(CertificationTrack.name)))


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
    return track_status(person_id, track, day).is_current


# --- cycles (history) ----------------------------------------------------------


def cycles_of(person_id: int) -> list[Certification]:
    """Every cycle of a person on every track, revoked ones included, newest first."""
    return list(
        db_session().scalars(
            select(Certification)
            .where(Certification.person_id == person_id)
            .options(
                selectinload(Certification.completion).joinedload(Completion.course),
                selectinload(Certification.taught_session),
            )
            .order_by(Certification.granted_on.desc(), Certification.id.desc())
        )
    )


def latest_cycles(
    person_ids: Iterable[int], track_ids: Iterable[int], day: date
) -> dict[tuple[int, int], Certification]:
    """(person, track) -> the live cycle with the latest expiry granted by ``day``; one query."""
    person_ids, track_ids = list(person_ids), list(track_ids)
    if not person_ids or not track_ids:
        return {}
    latest: dict[tuple[int, int], Certification] = {}
    cycles = db_session().scalars(
        select(Certification).where(
            Certification.person_id.in_(person_ids),
            Certification.track_id.in_(track_ids),
            _counts_on(day),
        )
    )
    for cycle in cycles:
        key = (cycle.person_id, cycle.track_id)
        held = latest.get(key)
        if held is None or (cycle.expires_on, cycle.id) > (held.expires_on, held.id):
            latest[key] = cycle
    return latest


def highest_cycle_numbers(
    person_ids: Iterable[int], track_ids: Iterable[int]
) -> dict[tuple[int, int], int]:
    """(person, track) -> the highest cycle number used so far (revoked cycles count too)."""
    person_ids, track_ids = list(person_ids), list(track_ids)
    if not person_ids or not track_ids:
        return {}
    rows = db_session().execute(
        select(Certification.person_id, Certification.track_id, func.max(Certification.cycle))
        .where(Certification.person_id.in_(person_ids), Certification.track_id.in_(track_ids))
        .group_by(Certification.person_id, Certification.track_id)
    )
    return {(p, t): n for p, t, n in rows}


def track_chains(track_id: int, person_ids: list[int] | None = None) -> dict[int, list[CycleFacts]]:
    """person -> their live cycles on a track in the order granted, as planned; one query.

    Everyone's, or only those of ``person_ids`` (a few thousand at most: one IN list).
    """
    taught = aliased(CourseSession)
    query = (
        select(
            Certification.person_id,
            Certification.id,
            Certification.granted_on,
            Certification.valid_from,
            Certification.expires_on,
            Certification.source,
            func.coalesce(Completion.course_id, taught.course_id),
        )
        .outerjoin(Completion, Completion.id == Certification.completion_id)
        .outerjoin(taught, taught.id == Certification.taught_session_id)
        .where(Certification.track_id == track_id, Certification.revoked_at.is_(None))
        .order_by(Certification.person_id, Certification.granted_on, Certification.id)
    )
    if person_ids is not None:
        query = query.where(Certification.person_id.in_(person_ids))
    rows = db_session().execute(query)
    chains: dict[int, list[CycleFacts]] = {}
    for person_id, *facts in rows:
        chains.setdefault(person_id, []).append(CycleFacts(*facts))
    return chains


def route_courses(track_id: int) -> RouteCourses:
    """Every course (retired ones too) that grants or renews a track: what earned its cycles."""
    granting = db_session().scalars(select(Course.id).where(Course.grants_track_id == track_id))
    paths = db_session().execute(
        select(TrackRenewalPath.method, TrackRenewalPath.course_id).where(
            TrackRenewalPath.track_id == track_id
        )
    )
    by_method: dict[RenewalMethod, set[int]] = {method: set() for method in RenewalMethod}
    for method, course_id in paths:
        by_method[method].add(course_id)
    return RouteCourses(
        granting=frozenset(granting),
        completing=frozenset(by_method[RenewalMethod.COMPLETE_COURSE]),
        teaching=frozenset(by_method[RenewalMethod.TEACH_SESSION]),
    )


# --- how tracks are earned and renewed, and whom they concern -------------------

#: Whose certification a track is, by the audience of the courses that grant it.
#: Civilian and school-staff classes give certificates of attendance: nobody is
#: *required* to hold a track they grant, so only its holders are counted.
ROLE_FOR_AUDIENCE = {
    Audience.OFFICERS: Role.OFFICER,
    Audience.INSTRUCTORS: Role.INSTRUCTOR,
}


@dataclass
class TrackRoutes:
    """The courses that grant a track, renew it by completion, or renew it by teaching."""

    track: CertificationTrack
    granting: list[Course] = field(default_factory=list)
    completing: list[Course] = field(default_factory=list)
    teaching: list[Course] = field(default_factory=list)

    @property
    def course_ids(self) -> set[int]:
        """Courses whose completion grants or renews the track."""
        return {c.id for c in self.granting} | {c.id for c in self.completing}

    @property
    def required_of(self) -> set[Role]:
        """Roles whose holders must keep this track current."""
        if self.track.qualifies_instructors:
            return {Role.INSTRUCTOR}
        return {
            ROLE_FOR_AUDIENCE[c.audience]
            for c in self.granting + self.completing
            if c.audience in ROLE_FOR_AUDIENCE
        }

    @property
    def renewal_courses(self) -> list[Course]:
        """Courses to take to earn or renew the track, by code, without duplicates."""
        seen: dict[int, Course] = {}
        for course in self.granting + self.completing:
            seen.setdefault(course.id, course)
        return sorted(seen.values(), key=lambda c: c.code)


def track_routes(tracks: list[CertificationTrack]) -> dict[int, TrackRoutes]:
    """How each track is earned and renewed; two queries for any number of tracks."""
    routes = {t.id: TrackRoutes(t) for t in tracks}
    if not tracks:
        return routes
    granting = db_session().scalars(
        select(Course)
        .where(Course.grants_track_id.in_(routes), Course.active.is_(True))
        .options(lazyload(Course.prerequisites))  # not needed here: no extra query
        .order_by(Course.code)
    )
    for course in granting:
        routes[course.grants_track_id].granting.append(course)
    paths = db_session().execute(
        select(TrackRenewalPath.track_id, TrackRenewalPath.method, Course)
        .join(Course, Course.id == TrackRenewalPath.course_id)
        .where(TrackRenewalPath.track_id.in_(routes), Course.active.is_(True))
        .options(lazyload(Course.prerequisites))
        .order_by(Course.code)
    )
    for track_id, method, course in paths:
        if method is RenewalMethod.TEACH_SESSION:
            routes[track_id].teaching.append(course)
        else:
            routes[track_id].completing.append(course)
    return routes


# --- instructor qualification ---------------------------------------------------


class QualificationError(ValueError):
    """A person may not lead (or finalize) a course that requires an instructor track."""


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


def require_qualified_lead(person: Person, course: Course, day: date | None = None) -> None:
    """Raise QualificationError unless ``person`` may lead ``course`` (use when assigning)."""
    problem = lead_problem(person, course, day)
    if problem:
        raise QualificationError(problem)


def unqualified_leads(session: CourseSession, day: date | None = None) -> list[str]:
    """Problems with the lead instructors of ``session`` (empty when all may lead)."""
    problems = (lead_problem(p, session.course, day) for p in session.lead_instructors)
    return [p for p in problems if p]


# --- one person's overview (the officer's dashboard) ----------------------------


@dataclass
class TrackOverview:
    """What an officer needs about one track: standing, how to renew, where to go."""

    status: TrackStatus
    routes: TrackRoutes
    cycle: Certification | None
    enrolled: list[Enrollment]
    open_sessions: list[CourseSession]
    open_sessions_finish_in_time: bool

    @property
    def track(self) -> CertificationTrack:
        return self.status.track

    @property
    def needs_action(self) -> bool:
        return self.status.state is not CertificationState.CURRENT


def _first_start():
    return (
        select(func.min(Meeting.starts_at))
        .where(Meeting.session_id == CourseSession.id)
        .correlate(CourseSession)
        .scalar_subquery()
    )


def _open_sessions(course_ids: set[int], person_id: int) -> list[CourseSession]:
    """Sessions of these courses not yet begun, open for registration, with a free seat."""
    if not course_ids:
        return []
    now = utcnow()
    already = exists().where(
        Enrollment.session_id == CourseSession.id,
        Enrollment.person_id == person_id,
        Enrollment.status != EnrollmentStatus.CANCELLED,
    )
    sessions = db_session().scalars(
        select(CourseSession)
        .where(
            CourseSession.course_id.in_(course_ids),
            CourseSession.status == SessionStatus.SCHEDULED,
            _first_start() > now,
            or_(
                CourseSession.registration_opens_at.is_(None),
                CourseSession.registration_opens_at <= now,
            ),
            or_(
                CourseSession.registration_closes_at.is_(None),
                CourseSession.registration_closes_at > now,
            ),
            ~already,
        )
        .order_by(_first_start(), CourseSession.id)
        .limit(50)
    )
    return [s for s in sessions.unique() if s.seats_left > 0]


def _coming_enrollments(person_id: int, course_ids: set[int]) -> list[Enrollment]:
    if not course_ids:
        return []
    now = utcnow()
    future = exists().where(Meeting.session_id == CourseSession.id, Meeting.ends_at > now)
    enrollments = db_session().scalars(
        select(Enrollment)
        .join(CourseSession, CourseSession.id == Enrollment.session_id)
        .where(
            Enrollment.person_id == person_id,
            Enrollment.status.in_([EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED]),
            CourseSession.course_id.in_(course_ids),
            CourseSession.status != SessionStatus.CANCELLED,
            future,
        )
    )
    return sorted(enrollments.unique(), key=lambda e: e.session.starts_at or now)


def _finishes_before(session: CourseSession, day: date) -> bool:
    ends = to_local(session.ends_at)
    return ends is not None and ends.date() < day


def person_overview(person: Person, day: date | None = None) -> list[TrackOverview]:
    """Every track that concerns ``person``, with what to do next; a handful of queries.

    A track concerns a person who holds (or held) a cycle on it, whose roles it
    is required of, or who is enrolled in a course that earns it.
    """
    day = day or local_today()
    tracks = all_tracks()
    routes = track_routes(tracks)
    track_ids = [t.id for t in tracks]
    cycles = latest_cycles([person.id], track_ids, day)
    roles = person.role_set
    all_course_ids = set().union(*(r.course_ids for r in routes.values())) if routes else set()
    enrollments = _coming_enrollments(person.id, all_course_ids)
    enrolled_course_ids = {e.session.course_id for e in enrollments}
    concerned = [
        t
        for t in tracks
        if (person.id, t.id) in cycles
        or roles & routes[t.id].required_of
        or routes[t.id].course_ids & enrolled_course_ids
    ]
    if not concerned:
        return []
    open_sessions = _open_sessions(
        set().union(*(routes[t.id].course_ids for t in concerned)), person.id
    )
    overview = []
    for track in concerned:
        cycle = cycles.get((person.id, track.id))
        expires_on = cycle.expires_on if cycle else None
        status = TrackStatus(track, state_on(track, expires_on, day), expires_on)
        course_ids = routes[track.id].course_ids
        mine = [e for e in enrollments if e.session.course_id in course_ids]
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
                cycle=cycle,
                enrolled=mine,
                open_sessions=(in_time or candidates)[:5],
                open_sessions_finish_in_time=bool(in_time)
                or status.state is not CertificationState.DUE_SOON,
            )
        )
    return overview


# --- many people at once (compliance reports, the benchmark) --------------------


@contextmanager
def cyclic_gc_paused():
    """Pause the cyclic garbage collector while a report's rows are built.

    A department's report allocates tens of thousands of small objects without
    reference cycles; meanwhile the collector would walk the whole heap several
    times (measured: 150 ms of the 300 ms budget for 10,000 people). Reference
    counting still frees everything; the collector is restored afterwards.
    Re-entrant: an inner pause leaves the collector as the outer one wants it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(slots=True)
class Standing:
    """One person's status on one track, with what a report shows of the person."""

    person_id: int
    full_name: str
    badge_number: str | None
    organization_id: int
    track: CertificationTrack
    state: CertificationState
    expires_on: date | None

    @property
    def due_on(self) -> date | None:
        return self.expires_on


def population_standings(
    tracks: list[CertificationTrack],
    day: date | None = None,
    organization_ids: set[int] | None = None,
) -> list[Standing]:
    """Status of everyone a track concerns, for these tracks, in these organizations.

    A track concerns active people holding a role it is required of (see
    :attr:`TrackRoutes.required_of`) and anyone holding a live cycle on it.
    ``organization_ids`` None means every organization. Rows are sorted by name.

    Four queries whatever the number of people: two for the routes, one for
    the latest live expiry per (person, track) (an index-only scan), one for
    the active people in scope with a flag per required role. Both big ones
    run on the Core connection, without ORM row handling, and are joined here:
    a department of 10,000 people must come back within a page load
    (benchmarks/status_bench.py measures it).
    """
    day = day or local_today()
    if not tracks:
        return []
    routes = track_routes(tracks)
    track_ids = [t.id for t in tracks]
    roles = sorted({role for r in routes.values() for role in r.required_of})
    in_scope = Person.active.is_(True)
    if organization_ids is not None:
        in_scope = and_(in_scope, Person.organization_id.in_(organization_ids or {-1}))
    latest = (
        select(
            Certification.person_id,
            Certification.track_id,
            func.max(Certification.expires_on),
        )
        .where(Certification.track_id.in_(track_ids), _counts_on(day))
        .group_by(Certification.person_id, Certification.track_id)
    )
    if organization_ids is not None:
        latest = latest.where(Certification.person_id.in_(select(Person.id).where(in_scope)))
    role_flags = [
        exists().where(RoleAssignment.person_id == Person.id, RoleAssignment.role == role)
        for role in roles
    ]
    people_query = select(
        Person.id, Person.full_name, Person.badge_number, Person.organization_id, *role_flags
    ).where(in_scope)

    with cyclic_gc_paused():
        connection = db_session().connection()
        expiries: dict[int, dict[int, date]] = {track_id: {} for track_id in track_ids}
        for person_id, track_id, expires_on in connection.execute(latest).all():
            expiries[track_id][person_id] = expires_on
        holders = set().union(*expiries.values())
        people = [
            row
            for row in connection.execute(people_query).all()
            if row[0] in holders or any(row[4:])
        ]
        people.sort(key=lambda row: (row[1].casefold(), row[0]))
        return _standings(people, tracks, routes, roles, expiries, day)


def _standings(people, tracks, routes, roles, expiries, day) -> list[Standing]:
    """The rows of :func:`population_standings` from what its queries returned."""
    never, expired = CertificationState.NEVER, CertificationState.EXPIRED
    due_soon, current = CertificationState.DUE_SOON, CertificationState.CURRENT
    # Per track: (track, person -> expiry, roles it is required of, last "due soon" day)
    checks = [
        (
            track,
            expiries[track.id],
            frozenset(routes[track.id].required_of),
            day + timedelta(days=track.renewal_window_days),
        )
        for track in tracks
    ]
    held_roles: dict[tuple, frozenset[Role]] = {}  # role flags -> the roles they mean
    standings = []
    for person_id, name, badge, org_id, *flags in people:
        flags = tuple(flags)
        held = held_roles.get(flags)
        if held is None:
            held = held_roles[flags] = frozenset(r for r, f in zip(roles, flags, strict=True) if f)
        for track, track_expiries, required_of, due_soon_until in checks:
            expires_on = track_expiries.get(person_id)
            if expires_on is None:
                if required_of.isdisjoint(held):
                    continue
                state = never
            elif expires_on <= day:
                state = expired
            elif expires_on <= due_soon_until:
                state = due_soon
            else:
                state = current
            standings.append(Standing(person_id, name, badge, org_id, track, state, expires_on))
    return standings


def next_sessions(routes: dict[int, TrackRoutes]) -> dict[int, CourseSession]:
    """track id -> the next scheduled session (not begun) that earns or renews it."""
    course_ids = set().union(*(r.course_ids for r in routes.values())) if routes else set()
    if not course_ids:
        return {}
    sessions = list(
        db_session()
        .scalars(
            select(CourseSession)
            .where(
                CourseSession.course_id.in_(course_ids),
                CourseSession.status == SessionStatus.SCHEDULED,
                _first_start() > utcnow(),
            )
            .order_by(_first_start(), CourseSession.id)
            .limit(200)
        )
        .unique()
    )
    found = {}
    for track_id, route in routes.items():
        for session in sessions:
            if session.course_id in route.course_ids:
                found[track_id] = session
                break
    return found

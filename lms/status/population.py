"""Certification status of many people at once: compliance reports and their benchmark.

Standing rows for a whole department (or some of its organizations) in a fixed
number of queries, and the next class that earns each track.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, func, select

from ..core import db_session, local_today
from ..models import (
    SESSION_LISTING,
    Certification,
    CertificationTrack,
    CourseSession,
    Person,
    Role,
    RoleAssignment,
    SessionStatus,
    utcnow,
)
from .cycles import counts_on
from .queries import CertificationState
from .routes import TrackRoutes, track_routes


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
        .where(Certification.track_id.in_(track_ids), counts_on(day))
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
    """track id -> the next scheduled session (not begun) that earns or renews it.

    The coming sessions' ids and courses are read bare (a list of 200 whole sessions,
    each with its seat counts, cost more than the page); only the chosen are loaded.
    """
    course_ids = set().union(*(r.course_ids for r in routes.values())) if routes else set()
    if not course_ids:
        return {}
    coming = db_session().execute(
        select(CourseSession.id, CourseSession.course_id)
        .where(
            CourseSession.course_id.in_(course_ids),
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > utcnow(),
        )
        .order_by(CourseSession.starts_at, CourseSession.id)
        .limit(200)
    )
    chosen: dict[int, int] = {}
    for session_id, course_id in coming:
        for track_id, route in routes.items():
            if track_id not in chosen and course_id in route.course_ids:
                chosen[track_id] = session_id
        if len(chosen) == len(routes):
            break
    if not chosen:
        return {}
    sessions = {
        s.id: s
        for s in db_session()
        .scalars(
            select(CourseSession)
            .where(CourseSession.id.in_(set(chosen.values())))
            .options(*SESSION_LISTING)
        )
        .unique()
    }
    return {track_id: sessions[session_id] for track_id, session_id in chosen.items()}

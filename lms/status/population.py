"""Certification status of many people at once: compliance reports, digests, their benchmark.

A whole department's (or some of its organizations') standing counted, filtered
and listed in the database, a page at a time, in a fixed number of queries; and
the next class that earns each track.
"""

from __future__ import annotations

import gc
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    CTE,
    Date,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)

from ..core import by_name, db_session, local_today
from ..models import (
    SESSION_LISTING,
    Certification,
    CertificationTrack,
    CourseSession,
    Person,
    RoleAssignment,
    SessionStatus,
    utcnow,
)
from .cycles import counts_on
from .queries import CertificationState, state_on
from .routes import TrackRoutes, track_routes
from .sql import state_case


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


class Population:
    """Everyone some tracks concern in some organizations on a day, as SQL to count and list.

    A track concerns active people holding a role it is required of (see
    :attr:`TrackRoutes.required_of`) and anyone holding a live cycle on it.
    ``organization_ids`` None means every organization.

    :attr:`standing` has a row per (person, track): the person's name, badge and
    organization, the latest live expiry (granted by the day; NULL: never) and
    its state (:func:`lms.status.sql.state_case`). The database counts and
    filters it, so a department of 10,000 people is never loaded: only the rows
    listed come back, each judged again in Python by :func:`state_on`, the rule
    the person's own pages use. Criteria are clauses on ``standing.c``.
    """

    def __init__(
        self,
        tracks: list[CertificationTrack],
        day: date | None = None,
        organization_ids: set[int] | None = None,
        routes: dict[int, TrackRoutes] | None = None,
    ) -> None:
        self.day = day or local_today()
        self.tracks = {t.id: t for t in tracks}
        self.standing = self._standing(tracks, routes or track_routes(tracks), organization_ids)

    def _standing(self, tracks, routes, organization_ids) -> CTE:
        in_scope = Person.active.is_(True)
        if organization_ids is not None:
            in_scope = and_(in_scope, Person.organization_id.in_(organization_ids or {-1}))
        # A live cycle gives its expiry; a required role a NULL one: "never" when alone.
        cycles = select(
            Certification.person_id, Certification.track_id, Certification.expires_on
        ).where(Certification.track_id.in_(list(self.tracks)), counts_on(self.day))
        required = [
            select(RoleAssignment.person_id, literal(track.id, Integer), cast(null(), Date)).where(
                RoleAssignment.role.in_(routes[track.id].required_of)
            )
            for track in tracks
            if routes[track.id].required_of
        ]
        if organization_ids is not None:  # a few agencies: leave the others' cycles unread
            scoped = select(Person.id).where(in_scope)
            cycles = cycles.where(Certification.person_id.in_(scoped))
            required = [r.where(RoleAssignment.person_id.in_(scoped)) for r in required]
        pairs = union_all(cycles, *required).subquery("concerned")
        latest = (
            select(
                pairs.c.person_id,
                pairs.c.track_id,
                func.max(pairs.c.expires_on).label("expires_on"),
            )
            .group_by(pairs.c.person_id, pairs.c.track_id)
            .subquery("latest")
        )
        state = state_case(tracks, latest.c.track_id, latest.c.expires_on, self.day)
        return (
            select(
                Person.id.label("person_id"),
                Person.full_name,
                Person.badge_number,
                Person.organization_id,
                latest.c.track_id,
                latest.c.expires_on,
                state.label("state"),
            )
            .join_from(latest, Person, Person.id == latest.c.person_id)
            .where(in_scope)
            .cte("standing")
        )

    def _tally(self) -> Select:
        s = self.standing.c
        return select(s.track_id, s.organization_id, s.state, func.count().label("n")).group_by(
            s.track_id, s.organization_id, s.state
        )

    def _listing(self, criteria, limit: int | None, offset: int) -> Select:
        """The rows matching ``criteria`` by name, then person, then track in the order
        given; paged, with the count of all matches and the sort keys (a window count:
        one pass over the matches)."""
        s = self.standing.c
        columns = [
            s.person_id,
            s.full_name,
            s.badge_number,
            s.organization_id,
            s.track_id,
            s.expires_on,
        ]
        name = by_name(s.full_name).label("sort_name")
        position = case({t: n for n, t in enumerate(self.tracks)}, value=s.track_id).label(
            "position"
        )
        if limit is not None:
            columns += [func.count().over().label("total"), name, position]
        return (
            select(*columns)
            .where(*criteria)
            .order_by(name, s.person_id, position)
            .limit(limit)
            .offset(offset or None)
        )

    def _judged(self, rows) -> list[Standing]:
        day, tracks = self.day, self.tracks
        return [
            Standing(
                person_id,
                name,
                badge,
                org_id,
                tracks[track_id],
                state_on(tracks[track_id], expires_on, day),
                expires_on,
            )
            for person_id, name, badge, org_id, track_id, expires_on, *_ in rows
        ]

    @staticmethod
    def _counted(rows) -> dict[tuple[int, int], Counter]:
        counts: dict[tuple[int, int], Counter] = {}
        for track_id, organization_id, state, n in rows:
            counts.setdefault((track_id, organization_id), Counter())[CertificationState(state)] = n
        return counts

    def counts(self) -> dict[tuple[int, int], Counter]:
        """(track id, organization id) -> how many people are in each state; one query."""
        if not self.tracks:
            return {}
        return self._counted(db_session().execute(self._tally()))

    def count(self, *criteria) -> int:
        """How many rows match ``criteria``; one query."""
        if not self.tracks:
            return 0
        return db_session().scalar(select(func.count()).select_from(self.standing).where(*criteria))

    def standings(
        self, *criteria, limit: int | None = None, offset: int = 0
    ) -> tuple[list[Standing], int]:
        """The rows matching ``criteria`` by name (a person's tracks in the order given),
        ``limit`` of them from ``offset``, and how many match in all. One query (two
        when asked past the last row).
        """
        if not self.tracks:
            return [], 0
        with cyclic_gc_paused():  # thousands of rows, small objects without cycles
            rows = db_session().execute(self._listing(criteria, limit, offset)).all()
            standings = self._judged(rows)
        if limit is None:
            return standings, len(rows)
        return standings, self._total(rows, criteria, offset)

    def _total(self, page, criteria, offset: int) -> int:
        """How many match in all: as the page's rows say, else counted (past the last row)."""
        if page:
            return page[0].total
        return self.count(*criteria) if offset else 0

    def counts_and_standings(
        self, *criteria, limit: int, offset: int = 0
    ) -> tuple[dict[tuple[int, int], Counter], list[Standing], int]:
        """:meth:`counts` and :meth:`standings` together, in one query (two past the last row).

        The database then works everyone's standing out once for both (measured on
        10,000 officers: about a third less time than the two queries).
        """
        if not self.tracks:
            return {}, [], 0
        page = self._listing(criteria, limit, offset).subquery("page")
        tally = self._tally().subquery("tally").c
        # One row shape for both. A count row has no person; its state is the last
        # column, its count where a page row has the total.
        rows = (
            db_session()
            .execute(
                union_all(
                    select(page, null()),
                    select(
                        *[null()] * 3,
                        tally.organization_id,
                        tally.track_id,
                        null(),
                        tally.n,
                        null(),
                        null(),
                        tally.state,
                    ),
                )
            )
            .all()
        )
        counts = self._counted(
            (r.track_id, r.organization_id, r[-1], r.total) for r in rows if r[0] is None
        )
        # A union keeps no order: the page's rows come back with their sort keys, which
        # Python compares as the database did (code point by code point).
        listed = sorted(
            (r for r in rows if r[0] is not None),
            key=lambda r: (r.sort_name, r.person_id, r.position),
        )
        return counts, self._judged(listed), self._total(listed, criteria, offset)


def population_standings(
    tracks: list[CertificationTrack],
    day: date | None = None,
    organization_ids: set[int] | None = None,
) -> list[Standing]:
    """Status of everyone a track concerns, for these tracks, in these organizations.

    See :class:`Population`; rows are sorted by name. Three queries whatever the
    number of people: two for the routes, one for the rows.
    """
    standings, _ = Population(tracks, day, organization_ids).standings()
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

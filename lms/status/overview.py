"""The officer's overview: each track that concerns a person, their standing on it,
their places in coming sessions of its courses, and the open sessions to renew in.

Shown on the dashboard, the status page and a person's page. Every read is of
columns (the pages show a few facts of five sessions a track, never their
objects), by statements built once per process; three statements in all (a
fourth when a busy program's first sessions are full), the tracks' routes being
kept per process (:mod:`lms.site_cache`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache

from sqlalchemy import Integer, Select, bindparam, exists, func, literal_column, select, union_all

from ..core import department_zone, local_today, read
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

    Its facts as read-only columns: an officer's page reads a few of these a track, and
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


#: Sessions offered per track: the first that start, and the first in its window.
OFFERED_PER_TRACK = 5
#: Rows read per part: twice those shown, so that a few full sessions among the first
#: are passed over without a second statement (see :func:`_open_sessions`).
_READ_PER_PART = 2 * OFFERED_PER_TRACK


@dataclass(frozen=True)
class _Wanted:
    """What one track asks for: sessions of its courses, the first to start, and (when
    it has a window) the first that also start from ``starts_from`` and end before
    ``ends_before`` (UTC instants; None: no bound)."""

    course_ids: frozenset[int]
    windowed: bool = False
    starts_from: datetime | None = None
    ends_before: datetime | None = None

    @property
    def shape(self) -> tuple[bool, bool] | None:
        if not self.windowed:
            return None
        return (self.starts_from is not None, self.ends_before is not None)


def _offered_part(
    track: int, part: int, shape: tuple[bool, bool] | None, with_seats_only: bool
) -> Select:
    """The first sessions of track number ``track`` (part 0), or of its window (part 1);
    ``with_seats_only``: only those with a free seat, counted for every candidate."""
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
    query = (
        select(
            CourseSession.id.label("id"),
            CourseSession.course_id.label("course_id"),
            Course.code.label("code"),
            CourseSession.timezone.label("timezone"),
            CourseSession.starts_at.label("starts_at"),
            CourseSession.ends_at.label("ends_at"),
            meeting_count.label("meeting_count"),
            CourseSession.capacity.label("capacity"),
            CourseSession.seats_taken.label("taken"),
            CourseSession.seats_reserved_open.label("reserved"),
            literal_column(str(track), Integer).label("track"),
            literal_column(str(part), Integer).label("part"),
        )
        .join(Course, Course.id == CourseSession.course_id)
        .where(
            CourseSession.course_id.in_(bindparam(f"courses_{track}", expanding=True)),
            CourseSession.open_for_registration(now),
            ~already,
        )
    )
    if with_seats_only:
        query = query.where(
            CourseSession.capacity > CourseSession.seats_taken + CourseSession.seats_reserved_open
        )
    if part == 1 and shape is not None:
        starts_bounded, ends_bounded = shape
        if starts_bounded:
            query = query.where(CourseSession.starts_at >= bindparam(f"from_{track}"))
        if ends_bounded:
            query = query.where(CourseSession.ends_at < bindparam(f"before_{track}"))
    limit = OFFERED_PER_TRACK if with_seats_only else _READ_PER_PART
    return query.order_by(CourseSession.starts_at, CourseSession.id).limit(limit)


@cache
def _offered_statement(
    shapes: tuple[tuple[bool, bool] | None, ...], with_seats_only: bool = False
) -> Select:
    """Built once per process for each shape (how many tracks, which bounds each window
    has): every part's few rows in one statement, ordered by track, part, start."""
    parts = [
        select(_offered_part(track, part, shape, with_seats_only).subquery())
        for track, shape in enumerate(shapes)
        for part in ((0, 1) if shape is not None else (0,))
    ]
    offered = union_all(*parts).subquery("offered")
    return select(offered).order_by(
        offered.c.track, offered.c.part, offered.c.starts_at, offered.c.id
    )


def _open_sessions(
    wanted: list[_Wanted], person_id: int
) -> list[tuple[list[OfferedSession], list[OfferedSession]]]:
    """For each track wanted: (the first sessions to start, the first in its window; the
    same list when it has none), each not yet begun, open for registration, with a free
    seat, the person not already in it; five at most.

    One statement of a few rows a track: the page shows five a track, and reading more
    rows to choose them was most of its cost. It reads ten a part and counts the seats
    of those only; when a part's ten hold fewer than five with a seat (a busy program's
    coming sessions are full), the statement is asked again counting the seats of every
    candidate (dearer on the database, exact).
    """
    asked = [n for n, want in enumerate(wanted) if want.course_ids]
    if not asked:
        return [([], []) for _ in wanted]
    params: dict = {"person_id": person_id, "now": utcnow()}
    for track, n in enumerate(asked):
        want = wanted[n]
        params[f"courses_{track}"] = sorted(want.course_ids)
        if want.starts_from is not None:
            params[f"from_{track}"] = want.starts_from
        if want.ends_before is not None:
            params[f"before_{track}"] = want.ends_before
    shapes = tuple(wanted[n].shape for n in asked)
    found = _offered_rows(_offered_statement(shapes), params, len(wanted), asked)
    if any(
        read_all and len(offered) < OFFERED_PER_TRACK
        for pair in found
        for read_all, offered in pair
    ):
        found = _offered_rows(_offered_statement(shapes, True), params, len(wanted), asked)
    return [
        (first, windowed if want.windowed else first)
        for want, ((_, first), (_, windowed)) in zip(wanted, found, strict=True)
    ]


def _offered_rows(statement, params: dict, tracks: int, asked: list[int]):
    """Per track wanted, per part: (whether the part filled its limit, the sessions read
    that have a free seat)."""
    rows: list[list[list]] = [[[], []] for _ in range(tracks)]
    for row in read(statement, params):
        rows[asked[row[-2]]][row[-1]].append(row)
    found = []
    for parts in rows:
        pair = []
        for part in parts:
            offered = [
                OfferedSession(*facts, free_seats(capacity, taken, reserved))
                for *facts, capacity, taken, reserved, _, _ in part
            ]
            with_seats = [s for s in offered if s.seats_left > 0]
            pair.append((len(part) == _READ_PER_PART, with_seats[:OFFERED_PER_TRACK]))
        found.append(tuple(pair))
    return found


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


def _local_midnight(day: date) -> datetime:
    """The instant ``day`` begins where the department is: an instant is on an earlier
    local day exactly when it is before this one."""
    return datetime.combine(day, time(), tzinfo=department_zone()).astimezone(UTC)


def _wanted(status: TrackStatus, course_ids: set[int]) -> _Wanted:
    """Sessions to offer for ``status``: due soon, those that end before the due date;
    current, those that also start once the renewal window is open; else any."""
    if status.state is CertificationState.DUE_SOON:
        return _Wanted(frozenset(course_ids), True, None, _local_midnight(status.expires_on))
    if status.state is CertificationState.CURRENT:
        return _Wanted(
            frozenset(course_ids),
            True,
            _local_midnight(status.window_opens_on),
            _local_midnight(status.expires_on),
        )
    return _Wanted(frozenset(course_ids))


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
    offered = _open_sessions(
        [_wanted(status, routes[status.track.id].course_ids) for status in concerned], person.id
    )
    overview = []
    for status, (first, in_time) in zip(concerned, offered, strict=True):
        course_ids = routes[status.track.id].course_ids
        overview.append(
            TrackOverview(
                status=status,
                routes=routes[status.track.id],
                enrolled=[p for p in places if p.course_id in course_ids],
                open_sessions=(in_time or first)[:OFFERED_PER_TRACK],
                open_sessions_finish_in_time=bool(in_time)
                or status.state is not CertificationState.DUE_SOON,
            )
        )
    return overview

"""How tracks are earned and renewed, and whom they concern: the courses behind each track."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import Select, and_, bindparam, or_, select

from .. import site_cache
from ..core import db_session
from ..models import (
    Audience,
    CertificationTrack,
    Course,
    RenewalMethod,
    Role,
    TrackRenewalPath,
)
from .renewal import RouteCourses

#: Whose certification a track is, by the audience of the courses that grant it.
#: Civilian and school-staff classes give certificates of attendance: nobody is
#: *required* to hold a track they grant, so only its holders are counted.
ROLE_FOR_AUDIENCE = {
    Audience.OFFICERS: Role.OFFICER,
    Audience.INSTRUCTORS: Role.INSTRUCTOR,
}


@dataclass(frozen=True)
class RouteCourse:
    """What the pages and rules need of a course that earns a track: kept per process."""

    id: int
    code: str
    title: str
    audience: Audience


@dataclass
class TrackRoutes:
    """The courses that grant a track, renew it by completion, or renew it by teaching."""

    track: CertificationTrack
    granting: list[RouteCourse] = field(default_factory=list)
    completing: list[RouteCourse] = field(default_factory=list)
    teaching: list[RouteCourse] = field(default_factory=list)

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
    def renewal_courses(self) -> list[RouteCourse]:
        """Courses to take to earn or renew the track, by code, without duplicates."""
        seen: dict[int, RouteCourse] = {}
        for course in self.granting + self.completing:
            seen.setdefault(course.id, course)
        return sorted(seen.values(), key=lambda c: c.code)


#: (course, the track it grants, the track a renewal path of it renews, that path's method)
_RouteRow = tuple[RouteCourse, "int | None", "int | None", "RenewalMethod | None"]


@cache
def _routes_statement() -> Select:
    """Active courses that grant one of the tracks ``track_ids`` (bound per call) or renew
    one: a row per course and renewal path naming one of them (none: NULLs). Built once."""
    track_ids = bindparam("track_ids", expanding=True)
    path = and_(TrackRenewalPath.course_id == Course.id, TrackRenewalPath.track_id.in_(track_ids))
    return (
        select(
            Course.id,
            Course.code,
            Course.title,
            Course.audience,
            Course.grants_track_id,
            TrackRenewalPath.track_id,
            TrackRenewalPath.method,
        )
        .outerjoin(TrackRenewalPath, path)
        .where(
            Course.active.is_(True),
            or_(Course.grants_track_id.in_(track_ids), TrackRenewalPath.id.is_not(None)),
        )
        .order_by(Course.code, TrackRenewalPath.id)
    )


def _route_rows(track_ids: tuple[int, ...]) -> tuple[_RouteRow, ...]:
    rows = db_session().execute(_routes_statement(), {"track_ids": list(track_ids)})
    return tuple(
        (RouteCourse(course_id, code, title, audience), grants, track_id, method)
        for course_id, code, title, audience, grants, track_id, method in rows
    )


def track_routes(tracks: list[CertificationTrack]) -> dict[int, TrackRoutes]:
    """How each track is earned and renewed; read once per process and catalog change
    (:mod:`lms.site_cache`), one query for any number of tracks."""
    routes = {t.id: TrackRoutes(t) for t in tracks}
    if not tracks:
        return routes
    track_ids = tuple(sorted(routes))
    rows = site_cache.remember(
        db_session(), ("track routes", track_ids), lambda: _route_rows(track_ids)
    )
    granted: set[int] = set()  # a course with several renewal paths comes once per path
    for course, grants, track_id, method in rows:
        if grants in routes and course.id not in granted:
            granted.add(course.id)
            routes[grants].granting.append(course)
        if track_id is None:
            continue
        if method is RenewalMethod.TEACH_SESSION:
            routes[track_id].teaching.append(course)
        else:
            routes[track_id].completing.append(course)
    return routes


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

"""The people directory: search, filter, sort and page people in the database.

Filtering (including certification status, through :mod:`lms.status.sql`),
sorting, paging and counting run as one SQL query, whatever the number of
people; the page's rows then get their status on every track and their roles in
one query each. Nothing is computed per row.

Filtered by status (and not searched, nor by a role no track requires), who is
listed and in what order depends only on what the standing stamp watches, so the
page's ids and the total are kept per process until it changes
(:mod:`lms.site_cache`): the status semi-joins over every cycle run once per change,
and each request reads the page's fifty people by id.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, or_, select

from .. import site_cache
from ..core import contains_text, db_session, local_today
from ..models import CertificationTrack, Organization, Person, Role, RoleAssignment
from ..status import queries as status_queries
from ..status.queries import CertificationState, TrackStatus
from ..status.routes import ROLE_FOR_AUDIENCE, track_routes
from ..status.sql import next_expiry, state_clause

PAGE_SIZE = 50
#: Roles a track can require (a role filter among them keeps a listing by status).
REQUIRED_ROLES = frozenset(role.value for role in ROLE_FOR_AUDIENCE.values())


class Activity(enum.StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    ANY = "any"

    @property
    def label(self) -> str:
        return {"active": "Active", "inactive": "Deactivated", "any": "Active or not"}[self.value]


class Sort(enum.StrEnum):
    NAME = "name"
    ORGANIZATION = "organization"
    DUE = "due"

    @property
    def label(self) -> str:
        return {"name": "Name", "organization": "Organization", "due": "Due date"}[self.value]


@dataclass
class DirectoryFilters:
    """What the directory was asked for (already validated)."""

    search: str = ""
    organization_id: int | None = None
    role: Role | None = None
    activity: Activity = Activity.ACTIVE
    track: CertificationTrack | None = None
    state: CertificationState | None = None
    sort: Sort = Sort.NAME
    page: int = 1


@dataclass
class DirectoryRow:
    """One person as the directory lists them."""

    id: int
    full_name: str
    email: str | None
    badge_number: str | None
    employee_number: str | None
    job_title: str | None
    active: bool
    organization: str
    roles: list[str] = field(default_factory=list)
    statuses: list[TrackStatus] = field(default_factory=list)


@dataclass
class DirectoryPage:
    rows: list[DirectoryRow]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def _searched(text: str):
    columns = (
        Person.full_name,
        Person.preferred_name,
        Person.email,
        Person.badge_number,
        Person.employee_number,
    )
    return or_(*(contains_text(column, text) for column in columns))


def directory_page(
    scope: set[int] | None,
    filters: DirectoryFilters,
    tracks: list[CertificationTrack],
    day: date | None = None,
) -> DirectoryPage:
    """One page of the people in ``scope`` (None: everyone) matching ``filters``.

    Sorted by due date: the latest expiry on the chosen track, or without one
    the soonest of the person's latest expiries on any track; never certified last.
    Status on a track follows :func:`lms.status.queries.state_on`: someone
    without a live cycle is "never certified" on it.
    """
    day = day or local_today()
    if _keepable(filters):
        key = (
            "people by status",
            day,
            None if scope is None else frozenset(scope),
            tuple(t.id for t in tracks),
            filters.organization_id,
            filters.role,
            filters.activity,
            filters.track.id,
            filters.state,
            filters.sort,
            filters.page,
        )
        ids, total, page = site_cache.remember(
            db_session(),
            key,
            lambda: _ids_of(
                _ordered(_matching(scope, filters, day), filters, tracks, day), filters.page
            ),
            stamps=site_cache.STANDING_STAMPS,
        )
        listed = db_session().execute(_listed().where(Person.id.in_(ids))) if ids else ()
        by_id = {row[0]: row for row in listed}
        rows = [DirectoryRow(*by_id[i]) for i in ids if i in by_id]
    else:
        query = _ordered(_matching(scope, filters, day), filters, tracks, day)
        found, total, page = _found(query, filters.page)
        rows = [DirectoryRow(*row[:-1]) for row in found]
    _add_roles_and_statuses(rows, tracks, day)
    return DirectoryPage(rows, total, page)


def _listed():
    """What the directory shows of each person, with their organization's name."""
    columns = (
        Person.id,
        Person.full_name,
        Person.email,
        Person.badge_number,
        Person.employee_number,
        Person.job_title,
        Person.active,
        Organization.name,
    )
    return select(*columns).join(Organization, Organization.id == Person.organization_id)


def _matching(scope: set[int] | None, filters: DirectoryFilters, day: date):
    """The people in ``scope`` that ``filters`` keep, unordered."""
    query = _listed()
    if scope is not None:
        query = query.where(Person.organization_id.in_(scope or {-1}))
    if filters.search:
        query = query.where(_searched(filters.search))
    if filters.organization_id is not None:
        query = query.where(Person.organization_id == filters.organization_id)
    if filters.role is not None:
        query = query.where(
            exists().where(
                RoleAssignment.person_id == Person.id, RoleAssignment.role == filters.role
            )
        )
    if filters.activity is not Activity.ANY:
        query = query.where(Person.active.is_(filters.activity is Activity.ACTIVE))
    if filters.track is not None and filters.state is not None:
        query = query.where(state_clause(filters.track, filters.state, Person.id, day))
        if filters.state is CertificationState.NEVER:
            # "Never certified" counts only the people the track is required of, as
            # compliance does: an admin without the course is not missing it.
            required = track_routes([filters.track])[filters.track.id].required_of
            query = query.where(
                exists().where(
                    RoleAssignment.person_id == Person.id,
                    RoleAssignment.role.in_(required or {None}),
                )
            )
    return query


def _keepable(filters: DirectoryFilters) -> bool:
    """Whether who is listed depends only on what the standing stamp watches."""
    return (
        filters.track is not None
        and filters.state is not None
        and not filters.search
        and (filters.role is None or filters.role.value in REQUIRED_ROLES)
    )


def _ordered(query, filters: DirectoryFilters, tracks, day: date):
    """``query`` in the order asked for, each row with the count of all matches."""
    name_order = (func.lower(Person.full_name), Person.id)
    if filters.sort is Sort.DUE:
        chosen = [filters.track.id] if filters.track else [t.id for t in tracks]
        # NULLS LAST, not "due IS NULL, due": the database would look the due date up twice.
        order = (next_expiry(Person.id, chosen, day).asc().nulls_last(), *name_order)
    elif filters.sort is Sort.ORGANIZATION:
        order = (func.lower(Organization.name), *name_order)
    else:
        order = name_order
    # The total rides along each row (a window count): one pass over the matches.
    return query.add_columns(func.count().over().label("total")).order_by(*order)


def _found(query, page: int) -> tuple[list, int, int]:
    """The rows of ``page`` (the last page, when asked past it), the total, the page."""
    found = _page_of(query, page)
    if not found and page > 1:  # past the end: show the last page
        total = db_session().scalar(select(func.count()).select_from(query.subquery()))
        page = max(1, -(-total // PAGE_SIZE))
        found = _page_of(query, page)
    return found, found[0][-1] if found else 0, page


def _ids_of(query, page: int) -> tuple[tuple[int, ...], int, int]:
    """What is kept of a page: its people's ids in order, the total, the page."""
    found, total, page = _found(query, page)
    return tuple(row[0] for row in found), total, page


def _page_of(query, page: int) -> list:
    return db_session().execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()


def _add_roles_and_statuses(rows: list[DirectoryRow], tracks, day: date) -> None:
    """Each row's roles (with scopes) and status per track: two queries for the page."""
    ids = [row.id for row in rows]
    if not ids:
        return
    grants = db_session().execute(
        select(RoleAssignment.person_id, RoleAssignment.role, Organization.name)
        .outerjoin(Organization, Organization.id == RoleAssignment.organization_id)
        .where(RoleAssignment.person_id.in_(ids))
        .order_by(RoleAssignment.id)
    )
    by_person: dict[int, list[str]] = {}
    for person_id, role, organization in grants:
        by_person.setdefault(person_id, []).append(role_label(role, organization))
    statuses = status_queries.statuses_for(ids, tracks, day)
    for row in rows:
        row.roles = by_person.get(row.id, [])
        row.statuses = [statuses[row.id, track.id] for track in tracks]


def role_label(role: Role, organization: str | None) -> str:
    """ "Training coordinator (Missoula Fire Department)", "Administrator", "... (all)"."""
    if organization:
        return f"{role.label} ({organization})"
    if role is Role.COORDINATOR:
        return f"{role.label} (all organizations)"
    return role.label

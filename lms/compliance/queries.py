"""Reads behind the compliance pages and exports, always scoped to what the viewer manages.

Each function runs a fixed number of queries whatever the number of people:
statuses are counted and listed by :class:`lms.status.population.Population`
(and kept until anyone's standing changes: :mod:`lms.compliance.kept`), hours come
from one aggregate over the completions of the period.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple, dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from sqlalchemy import CTE, ColumnElement, func, select, union_all

from ..auth.policy import managed_organization_ids
from ..core import contains_text, db_session, local_today, to_local
from ..models import (
    CertificationTrack,
    Completion,
    Course,
    CourseSession,
    Organization,
    Person,
    PriorTraining,
    Role,
    RoleAssignment,
)
from ..status.population import Population, Standing, next_sessions
from ..status.queries import STATE_ORDER, CertificationState, all_tracks
from ..status.routes import track_routes
from . import kept
from .periods import Period

PAGE_SIZE = 100


def scope_for(viewer: Person, organization_id: int | None = None) -> set[int] | None:
    """Organization ids the report covers: what the viewer manages, narrowed to one.

    None means every organization. Returns an empty set when ``organization_id``
    is outside what the viewer manages (the view answers 404).
    """
    managed = managed_organization_ids(viewer)
    if organization_id is None:
        return managed
    if managed is not None and organization_id not in managed:
        return set()
    return {organization_id}


def organizations(scope: set[int] | None) -> list[Organization]:
    """The organizations a viewer may filter by, by name."""
    query = select(Organization).order_by(Organization.name)
    if scope is not None:
        query = query.where(Organization.id.in_(scope or {-1}))
    return list(db_session().scalars(query))


@dataclass
class Filters:
    track_id: int | None = None
    organization_id: int | None = None
    state: CertificationState | None = None
    due_before: date | None = None
    name: str = ""
    page: int = 1

    def key(self) -> tuple:
        """The filters as a value: what a report kept for them is found by."""
        return astuple(self)

    def criteria(self, standing: CTE) -> list[ColumnElement[bool]]:
        """The filters as SQL on :attr:`Population.standing` (the organization is the scope)."""
        columns = standing.c
        criteria = []
        if self.track_id is not None:
            criteria.append(columns.track_id == self.track_id)
        if self.state is not None:
            criteria.append(columns.state == self.state.value)
        if self.due_before is not None:
            criteria.append(columns.expires_on < self.due_before)  # never certified: NULL, out
        if self.name:
            criteria.append(contains_text(columns.full_name, self.name))
        return criteria


@dataclass
class AgencyCounts:
    organization: Organization
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def in_force_share(self) -> int:
        """Percent current or due soon (still certified), rounded."""
        if not self.total:
            return 0
        held = self.counts[CertificationState.CURRENT] + self.counts[CertificationState.DUE_SOON]
        return round(100 * held / self.total)


@dataclass
class TrackSummary:
    track: CertificationTrack
    agencies: list[AgencyCounts]
    next_session: CourseSession | None

    @property
    def next_session_day(self) -> date | None:
        """The local date the next class begins."""
        if self.next_session is None or self.next_session.starts_at is None:
            return None
        return to_local(self.next_session.starts_at).date()

    @property
    def totals(self) -> Counter:
        total: Counter = Counter()
        for agency in self.agencies:
            total.update(agency.counts)
        return total


@dataclass
class ComplianceReport:
    """Every track's counts per agency, and one page of the people the filters keep."""

    day: date
    tracks: list[CertificationTrack]
    organizations: list[Organization]
    summaries: list[TrackSummary]
    page_rows: list[Standing]
    total: int  # rows the filters keep, on every page
    filters: Filters

    @cached_property
    def organization_names(self) -> dict[int, str]:
        """Each organization's name by id (built once: the page reads it for every row)."""
        return {o.id: o.name for o in self.organizations}

    @property
    def pages(self) -> int:
        return pages_for(self.total)


def pages_for(rows: int) -> int:
    """How many pages ``rows`` rows fill (at least one)."""
    return max(1, -(-rows // PAGE_SIZE))


def _summaries(
    tracks: list[CertificationTrack],
    counts: dict[tuple[int, int], Counter],
    orgs: list[Organization],
    upcoming: dict[int, CourseSession],
    shown_track_id: int | None = None,
) -> list[TrackSummary]:
    """Per track with anyone to report (or ``shown_track_id``), each agency's counts."""
    by_org = {o.id: o for o in orgs}
    summaries = []
    for track in tracks:
        agencies = [
            AgencyCounts(by_org[org_id], counter)
            for (track_id, org_id), counter in counts.items()
            if track_id == track.id and org_id in by_org
        ]
        agencies.sort(key=lambda a: a.organization.name.casefold())
        if agencies or shown_track_id == track.id:
            summaries.append(TrackSummary(track, agencies, upcoming.get(track.id)))
    return summaries


def compliance_summaries(scope: set[int] | None, day: date | None = None) -> list[TrackSummary]:
    """Per track, how many people of each agency in ``scope`` are in each state."""
    day = day or local_today()
    tracks = all_tracks()
    routes = track_routes(tracks)
    counts = kept.remember(
        kept.key("compliance counts", day, scope, tracks),
        lambda: kept.keep_counts(Population(tracks, day, scope, routes).counts()),
    )
    return _summaries(tracks, kept.counts_of(counts), organizations(scope), next_sessions(routes))


def compliance_report(
    scope: set[int] | None,
    filters: Filters,
    day: date | None = None,
    *,
    orgs: list[Organization] | None = None,
) -> ComplianceReport:
    """Per agency counts for every track, and the page of people ``filters`` asks for.

    Counted and filtered in the database: a fixed number of queries, and only the
    page's rows (``PAGE_SIZE``) come back, whatever the number of people. A page
    past the last shows the last. ``orgs``: the organizations of ``scope`` by name,
    when the caller has them already (the filter form lists them).
    """
    day = day or local_today()
    tracks = all_tracks()
    routes = track_routes(tracks)

    def build() -> tuple[kept.Counts, tuple[kept.Row, ...], int]:
        population = Population(tracks, day, scope, routes)
        criteria = filters.criteria(population.standing)
        counts, rows, total = population.counts_and_standings(
            *criteria, limit=PAGE_SIZE, offset=(filters.page - 1) * PAGE_SIZE
        )
        if not rows and total:
            rows, total = population.standings(
                *criteria, limit=PAGE_SIZE, offset=(pages_for(total) - 1) * PAGE_SIZE
            )
        return kept.keep_counts(counts), kept.keep_rows(rows), total

    counts, rows, total = kept.remember(
        kept.key("compliance report", day, scope, tracks, filters.key()), build
    )
    orgs = organizations(scope) if orgs is None else orgs
    summaries = _summaries(
        tracks, kept.counts_of(counts), orgs, next_sessions(routes), filters.track_id
    )
    return ComplianceReport(
        day, tracks, orgs, summaries, kept.rows_of(rows, tracks, day), total, filters
    )


def compliance_rows(
    scope: set[int] | None, filters: Filters, day: date | None = None
) -> list[Standing]:
    """Every row ``filters`` keeps, all pages (the export), in the report's order."""
    population = Population(all_tracks(), day, scope)
    rows, _ = population.standings(*filters.criteria(population.standing))
    return rows


def state_choices() -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in STATE_ORDER]


# --- hours ----------------------------------------------------------------------


@dataclass
class LedgerRow:
    person_id: int
    full_name: str
    badge_number: str | None
    organization_id: int
    completions: int
    hours: Decimal


#: People listed in the ledger even with no hours: those a POST board counts.
SWORN_ROLES = (Role.OFFICER, Role.INSTRUCTOR)


def hours_ledger(scope: set[int] | None, period: Period) -> list[LedgerRow]:
    """Credit hours of completions and imported past training in ``period`` per person.

    Revoked records are excluded.

    Sworn people (officer or instructor role) of the scope are listed even
    with no hours, so a shortfall shows. Two queries.
    """

    def scoped(query):
        if scope is not None:
            query = query.where(Person.organization_id.in_(scope or {-1}))
        return query

    # Training done here and training imported from earlier systems count alike.
    credits = union_all(
        *(
            select(record.person_id.label("person_id"), record.credit_hours.label("hours")).where(
                record.completed_on >= period.start,
                record.completed_on < period.end,
                record.revoked_at.is_(None),
            )
            for record in (Completion, PriorTraining)
        )
    ).subquery()
    earned = db_session().execute(
        scoped(
            select(
                Person.id,
                Person.full_name,
                Person.badge_number,
                Person.organization_id,
                func.count(),
                func.coalesce(func.sum(credits.c.hours), 0),
            )
            .join(Person, Person.id == credits.c.person_id)
            .group_by(Person.id, Person.full_name, Person.badge_number, Person.organization_id)
        )
    )
    rows = {
        pid: LedgerRow(pid, name, badge, org, n, Decimal(str(hours)))
        for pid, name, badge, org, n, hours in earned
    }
    sworn = db_session().execute(
        scoped(
            select(Person.id, Person.full_name, Person.badge_number, Person.organization_id)
            .where(
                Person.active.is_(True),
                Person.id.in_(
                    select(RoleAssignment.person_id).where(RoleAssignment.role.in_(SWORN_ROLES))
                ),
            )
            .distinct()
        )
    )
    for pid, name, badge, org in sworn:
        rows.setdefault(pid, LedgerRow(pid, name, badge, org, 0, Decimal("0")))
    return sorted(rows.values(), key=lambda r: (r.full_name.casefold(), r.person_id))


# --- POST roster ------------------------------------------------------------------


@dataclass(frozen=True)
class PostRecord:
    person_id: int
    full_name: str
    badge_number: str | None
    agency: str
    course_code: str
    course_title: str
    completed_on: date
    credit_hours: Decimal
    session_id: int


def post_records(
    scope: set[int] | None,
    *,
    start: date | None = None,
    end: date | None = None,
    session_id: int | None = None,
    course_id: int | None = None,
) -> list[PostRecord]:
    """Completions (not revoked) with who, what, when and hours, for a POST submission."""
    query = (
        select(
            Person.id,
            Person.full_name,
            Person.badge_number,
            Organization.name,
            Course.code,
            Course.title,
            Completion.completed_on,
            Completion.credit_hours,
            Completion.session_id,
        )
        .join(Person, Person.id == Completion.person_id)
        .join(Organization, Organization.id == Person.organization_id)
        .join(Course, Course.id == Completion.course_id)
        .where(Completion.revoked_at.is_(None))
        .order_by(Completion.completed_on, Course.code, func.lower(Person.full_name), Person.id)
    )
    if scope is not None:
        query = query.where(Person.organization_id.in_(scope or {-1}))
    if start is not None:
        query = query.where(Completion.completed_on >= start)
    if end is not None:
        query = query.where(Completion.completed_on < end)
    if session_id is not None:
        query = query.where(Completion.session_id == session_id)
    if course_id is not None:
        query = query.where(Completion.course_id == course_id)
    return [PostRecord(*row) for row in db_session().execute(query)]

"""Reads of the enrollment feature: seat counts, waitlists, rosters and groups."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ..auth.policy import managed_organization_ids
from ..catalog.queries import SESSIONS_A_PAGE
from ..core import db_session
from ..models import (
    IN_A_KNOWN_SESSION,
    PLACE_LISTING,
    SEAT_HOLDING,
    SESSION_LISTING,
    Course,
    CourseSession,
    Enrollment,
    EnrollmentStatus,
    Organization,
    OrganizationKind,
    Person,
    Role,
    SessionGroupAllocation,
    SessionStatus,
    utcnow,
)
from ..paging import Page, page_of
from .rules import COMMUNITY_AUDIENCES, PUBLIC_REGISTRANTS_SLUG


def waitlist_positions(session_ids: list[int]) -> dict[int, int]:
    """1-based waitlist position of every waitlisted enrollment in these sessions."""
    if not session_ids:
        return {}
    position = (
        func.row_number()
        .over(
            partition_by=Enrollment.session_id,
            order_by=(Enrollment.waitlisted_at, Enrollment.id),
        )
        .label("position")
    )
    rows = db_session().execute(
        select(Enrollment.id, position).where(
            Enrollment.session_id.in_(session_ids),
            Enrollment.status == EnrollmentStatus.WAITLISTED,
        )
    )
    return {enrollment_id: pos for enrollment_id, pos in rows}


SEAT_HOLDING_VALUES = [s.value for s in SEAT_HOLDING]


@dataclass
class SeatCount:
    """Who holds the seats of one session, counted fresh (call it under the session's lock).

    Seats a community group reserved but has not named anyone for are held: they
    count against the room until the group names people or gives them back.
    """

    session: CourseSession
    held: int
    held_by_org: Counter = field(default_factory=Counter)
    allocations: dict[int, SessionGroupAllocation] = field(default_factory=dict)

    @property
    def capacity(self) -> int:
        return self.session.capacity

    def reserved(self, org_id: int) -> int:
        allocation = self.allocations.get(org_id)
        return allocation.seats_reserved if allocation else 0

    def reserved_open(self, org_id: int) -> int:
        """Reserved seats of the organization nobody is named for yet."""
        return max(self.reserved(org_id) - self.held_by_org[org_id], 0)

    @property
    def reserved_open_total(self) -> int:
        return sum(self.reserved_open(org_id) for org_id in self.allocations)

    @property
    def free(self) -> int:
        """Seats nobody holds or reserved (negative after a deliberate over-enrollment)."""
        return self.capacity - self.held - self.reserved_open_total

    def footprint(self, org_id: int) -> int:
        """Seats the organization takes: its people, or its reservation if larger."""
        return max(self.held_by_org[org_id], self.reserved(org_id))

    def cap_for(self, organization: Organization) -> int | None:
        """The most seats ``organization`` may hold here (None: no cap).

        The session's own cap for the organization wins, then the session's cap
        for every community group, then the group's default cap.
        """
        allocation = self.allocations.get(organization.id)
        if allocation is not None and allocation.seat_cap is not None:
            return allocation.seat_cap
        if (
            organization.kind is not OrganizationKind.COMMUNITY_GROUP
            or organization.slug == PUBLIC_REGISTRANTS_SLUG
        ):
            return None
        if self.session.group_seat_cap is not None:
            return self.session.group_seat_cap
        return organization.default_seat_cap

    def cap_room(self, organization: Organization) -> int | None:
        cap = self.cap_for(organization)
        return None if cap is None else max(cap - self.footprint(organization.id), 0)

    def available_to(self, organization: Organization) -> int:
        """Seats a new person of ``organization`` could take now."""
        general = max(self.free, 0)
        room = self.cap_room(organization)
        if room is not None:
            general = min(general, room)
        return self.reserved_open(organization.id) + general

    def can_seat(self, organization: Organization) -> bool:
        return self.available_to(organization) > 0

    def take(self, organization: Organization) -> None:
        """Record in the count that one more person of ``organization`` holds a seat."""
        self.held += 1
        self.held_by_org[organization.id] += 1


def count_seats(session: CourseSession) -> SeatCount:
    """Count the seats of ``session`` with COUNT queries (never cached column values)."""
    rows = db_session().execute(
        select(Enrollment.organization_id, func.count(Enrollment.id))
        .where(
            Enrollment.session_id == session.id,
            Enrollment.status.in_(SEAT_HOLDING_VALUES),
        )
        .group_by(Enrollment.organization_id)
    )
    held_by_org = Counter({org_id: n for org_id, n in rows})
    allocations = db_session().scalars(
        select(SessionGroupAllocation)
        .where(SessionGroupAllocation.session_id == session.id)
        .execution_options(populate_existing=True)
    )
    return SeatCount(
        session=session,
        held=sum(held_by_org.values()),
        held_by_org=held_by_org,
        allocations={a.organization_id: a for a in allocations},
    )


def waitlist(session_id: int) -> list[Enrollment]:
    """The session's waitlist, first in line first."""
    return list(
        db_session()
        .scalars(
            select(Enrollment)
            .where(
                Enrollment.session_id == session_id,
                Enrollment.status == EnrollmentStatus.WAITLISTED,
            )
            .order_by(Enrollment.waitlisted_at, Enrollment.id)
            .options(*IN_A_KNOWN_SESSION)
            .execution_options(populate_existing=True)
        )
        .unique()
    )


def active_enrollment(session_id: int, person_id: int) -> Enrollment | None:
    """The person's place (enrolled, waitlisted or later) in the session, if any."""
    return db_session().scalar(
        select(Enrollment)
        .where(
            Enrollment.session_id == session_id,
            Enrollment.person_id == person_id,
            Enrollment.status != EnrollmentStatus.CANCELLED,
        )
        .options(*IN_A_KNOWN_SESSION)
        .execution_options(populate_existing=True)
    )


def waitlist_position(enrollment: Enrollment) -> int | None:
    """1-based place in line of a waitlisted enrollment (None when not waitlisted)."""
    if enrollment.status is not EnrollmentStatus.WAITLISTED:
        return None
    return waitlist_positions([enrollment.session_id]).get(enrollment.id)


@dataclass
class Roster:
    """A session's enrollments, grouped as a coordinator reads them."""

    holding: list[Enrollment]
    waitlisted: list[tuple[int, Enrollment]]
    cancelled: list[Enrollment]


def session_roster(session: CourseSession, organization_id: int | None = None) -> Roster:
    """Everyone with a place in ``session`` (only one organization's people when given)."""
    query = (
        select(Enrollment)
        .where(Enrollment.session_id == session.id)
        .order_by(Enrollment.created_at, Enrollment.id)
        .options(*IN_A_KNOWN_SESSION)
    )
    if organization_id is not None:
        query = query.where(Enrollment.organization_id == organization_id)
    enrollments = list(db_session().scalars(query).unique())
    positions = waitlist_positions([session.id])
    waiting = sorted(
        ((positions[e.id], e) for e in enrollments if e.status is EnrollmentStatus.WAITLISTED),
        key=lambda pair: pair[0],
    )
    return Roster(
        holding=sorted(
            (e for e in enrollments if e.holds_seat), key=lambda e: e.person.full_name.lower()
        ),
        waitlisted=waiting,
        cancelled=[e for e in enrollments if e.status is EnrollmentStatus.CANCELLED],
    )


def enrollment_by_id(enrollment_id: int) -> Enrollment | None:
    return db_session().get(Enrollment, enrollment_id)


@dataclass
class MyEnrollment:
    enrollment: Enrollment
    waitlist_position: int | None


def enrollments_of(person: Person) -> list[MyEnrollment]:
    """All of a person's places, coming sessions first (soonest first), then the past."""
    enrollments = list(
        db_session()
        .scalars(
            select(Enrollment).where(Enrollment.person_id == person.id).options(*PLACE_LISTING)
        )
        .unique()
    )
    now = utcnow()
    coming = [e for e in enrollments if (e.session.ends_at or now) > now]
    past = [e for e in enrollments if (e.session.ends_at or now) <= now]
    coming.sort(key=lambda e: (e.session.starts_at or now, e.id))
    past.sort(key=lambda e: (e.session.starts_at or now, e.id), reverse=True)
    positions = waitlist_positions(
        [e.session_id for e in coming if e.status is EnrollmentStatus.WAITLISTED]
    )
    return [MyEnrollment(e, positions.get(e.id)) for e in coming + past]


# --- community groups --------------------------------------------------------


def managed_groups(person: Person) -> list[Organization]:
    """Community groups ``person`` manages (all of them for unscoped staff)."""
    ids = managed_organization_ids(person)
    query = (
        select(Organization)
        .where(
            Organization.kind == OrganizationKind.COMMUNITY_GROUP,
            Organization.slug != PUBLIC_REGISTRANTS_SLUG,
            Organization.active.is_(True),
        )
        .order_by(Organization.name)
    )
    if ids is not None:
        query = query.where(Organization.id.in_(ids or {-1}))
    return list(db_session().scalars(query))


def coordinated_groups(person: Person) -> list[Organization]:
    """Groups ``person`` is the community-group coordinator of (their own groups)."""
    ids = person.organizations_with(Role.GROUP_COORDINATOR)
    if not ids:
        return []
    return list(
        db_session().scalars(
            select(Organization)
            .where(
                Organization.id.in_(ids),
                Organization.kind == OrganizationKind.COMMUNITY_GROUP,
            )
            .order_by(Organization.name)
        )
    )


def group_people(organization: Organization) -> list[Person]:
    return list(
        db_session().scalars(
            select(Person)
            .where(Person.organization_id == organization.id)
            .order_by(Person.full_name, Person.id)
        )
    )


def group_person(organization: Organization, person_id: int) -> Person | None:
    """A person of the group, or None (also when the person belongs elsewhere)."""
    person = db_session().get(Person, person_id)
    if person is None or person.organization_id != organization.id:
        return None
    return person


def _open_to_groups() -> Select:
    """Coming, not cancelled sessions of community courses, soonest first."""
    return (
        select(CourseSession)
        .join(CourseSession.course)
        .where(
            CourseSession.status == SessionStatus.SCHEDULED,
            CourseSession.starts_at > utcnow(),
            Course.audience.in_(COMMUNITY_AUDIENCES),
        )
        .order_by(CourseSession.starts_at, CourseSession.id)
    )


def _listed_with_meetings(query: Select) -> list[CourseSession]:
    # Meetings joined, not a second statement: none when no class is coming.
    options = (*SESSION_LISTING, joinedload(CourseSession.meetings))
    return list(db_session().scalars(query.options(*options)).unique())


def sessions_open_to_groups(limit: int) -> list[CourseSession]:
    """The first ``limit`` coming, not cancelled sessions of community courses."""
    return _listed_with_meetings(_open_to_groups().limit(limit))


def sessions_open_to_groups_page(number: int) -> Page[CourseSession]:
    """Page ``number`` of the coming, not cancelled sessions of community courses."""
    return page_of(_open_to_groups(), number, SESSIONS_A_PAGE, _listed_with_meetings)


def group_footprints(organization: Organization) -> dict[int, tuple[int, int]]:
    """session id -> (people holding seats, seats reserved) for the group's sessions."""
    held = dict(
        db_session()
        .execute(
            select(Enrollment.session_id, func.count(Enrollment.id))
            .where(
                Enrollment.organization_id == organization.id,
                Enrollment.status.in_(SEAT_HOLDING_VALUES),
            )
            .group_by(Enrollment.session_id)
        )
        .all()
    )
    reserved = dict(
        db_session()
        .execute(
            select(SessionGroupAllocation.session_id, SessionGroupAllocation.seats_reserved).where(
                SessionGroupAllocation.organization_id == organization.id
            )
        )
        .all()
    )
    return {sid: (held.get(sid, 0), reserved.get(sid, 0)) for sid in set(held) | set(reserved)}


def organizations_for_caps() -> list[Organization]:
    """Organizations a coordinator may set a seat cap for."""
    return list(
        db_session().scalars(
            select(Organization)
            .where(Organization.active.is_(True))
            .order_by(Organization.kind, Organization.name)
        )
    )


def people_by_id(ids) -> dict[int, Person]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {p.id: p for p in db_session().scalars(select(Person).where(Person.id.in_(ids)))}


def person_by_email(email: str) -> Person | None:
    return db_session().scalar(select(Person).where(Person.email == email.strip().lower()))


def public_registrants_organization() -> Organization | None:
    return db_session().scalar(
        select(Organization).where(Organization.slug == PUBLIC_REGISTRANTS_SLUG)
    )

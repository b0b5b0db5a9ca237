"""Writes for community groups in a session: people named one by one or by roster, seats held.

A group coordinator names their people (created in the group when new), uploads
a roster CSV (all or nothing), or holds seats to name people for later. A
person named with an email and no login is mailed a sign-up link (unless one is
out already), so they see their classes and certificates without being passed
a link by hand; the group page shows who was sent one. A
training coordinator caps the seats an organization may hold. Each takes the
session's lock first (see :mod:`lms.enrollment.places`). Callers commit.
"""

from __future__ import annotations

from ..auth import links
from ..auth import operations as auth_operations
from ..auth.policy import coordinates_session
from ..core import audit, db_session, local_today
from ..models import (
    CourseSession,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    Organization,
    Person,
    Role,
    SessionGroupAllocation,
    TokenPurpose,
    utcnow,
)
from . import queries, rules
from .places import (
    EnrollmentError,
    admit,
    create_person_once,
    locked_session,
    promote_waitlist,
    refuse_if_placed,
)
from .roster_csv import RosterProblem, RosterRefusal, RosterRow, parse_roster, refusal


class RosterError(EnrollmentError):
    """A roster upload refused: why, overall and by line (``refusal``). Nothing was imported."""

    def __init__(self, problems: list[RosterProblem], reason: str | None = None):
        self.refusal: RosterRefusal = refusal(problems, reason)
        super().__init__(f"The roster was not imported. {self.refusal.reason}")


def _group_problem(session: CourseSession, group: Organization, actor: Person) -> str | None:
    return (
        rules.timing_problem(session, utcnow(), staff=coordinates_session(actor, session))
        or rules.organization_problem(group)
        or rules.group_audience_problem(session.course)
    )


def _group_member(
    group: Organization,
    actor: Person,
    *,
    full_name: str,
    email: str,
    phone: str | None,
    job_title: str | None,
) -> tuple[Person | None, str | None]:
    """The group's person with this email (created when new), or why it cannot be used."""

    def create() -> Person:
        return auth_operations.create_person(
            full_name=full_name,
            organization=group,
            email=email,
            roles=[(Role.PARTICIPANT, group)],
            actor=actor,
            phone=phone,
            job_title=job_title,
            email_checked=True,
        )

    existing = queries.person_by_email(email)
    if existing is not None and existing.organization_id != group.id:
        return (
            None,
            f"{email} belongs to someone outside {group.name}; they can register themselves.",
        )
    person = existing or create_person_once(email, create)[0]
    if person.organization_id != group.id:
        return None, f"{email} belongs to someone outside {group.name}."
    return person, None


def _send_sign_up_link(person: Person, actor: Person) -> None:
    """Mail a named person without a login their sign-up link, unless a live one is out."""
    if person.has_login or not person.email or not person.active:
        return
    if links.live_link(person, TokenPurpose.CLAIM_ACCOUNT) is None:
        links.issue_invitation(person, actor)  # queues the message; audited there


def add_group_member(
    session_id: int,
    group: Organization,
    actor: Person,
    *,
    full_name: str,
    email: str,
    phone: str | None = None,
    job_title: str | None = None,
) -> Enrollment:
    """Name one person of the group for the session: a reserved or free seat, else the waitlist."""
    session = locked_session(session_id)
    problem = _group_problem(session, group, actor)
    if problem:
        raise EnrollmentError(problem)
    person, problem = _group_member(
        group, actor, full_name=full_name, email=email, phone=phone, job_title=job_title
    )
    if problem:
        raise EnrollmentError(problem, field="email")
    refuse_if_placed(session, person, yourself=False)
    lacking = rules.prerequisite_problems(session.course, person, local_today(session.timezone))
    if lacking:
        raise EnrollmentError(" ".join(lacking))
    enrollment = admit(session, person, group, source=EnrollmentSource.GROUP, actor=actor)
    _send_sign_up_link(person, actor)
    return enrollment


def import_group_roster(
    session_id: int, group: Organization, actor: Person, data: bytes, filename: str = ""
) -> list[Enrollment]:
    """Enroll every person a roster CSV names, or nobody: all problems are reported at once."""
    rows, problems = parse_roster(data)
    if problems and not rows:  # nothing readable: no seats to count
        raise RosterError(problems)
    session = locked_session(session_id)
    problem = _group_problem(session, group, actor)
    if problem:
        raise RosterError([RosterProblem(None, problem)])

    day = local_today(session.timezone)
    usable: list[tuple[RosterRow, Person | None]] = []
    for row in rows:
        existing = queries.person_by_email(row.email)
        if existing is not None and existing.organization_id != group.id:
            problems.append(
                RosterProblem(row.line, f"{row.email} belongs to someone outside {group.name}.")
            )
            continue
        if existing is not None:
            placed = queries.active_enrollment(session.id, existing.id)
            if placed is not None:
                problems.append(
                    RosterProblem(
                        row.line,
                        f"{existing.full_name} already holds a place in this session "
                        f"({placed.status.label.lower()}).",
                    )
                )
                continue
            lacking = rules.prerequisite_problems(session.course, existing, day)
            if lacking:
                problems.append(RosterProblem(row.line, " ".join(lacking)))
                continue
        usable.append((row, existing))

    count = queries.count_seats(session)
    short_of_seats = _seats_short(group, count, len(usable))
    if problems or short_of_seats:
        raise RosterError(problems, reason=short_of_seats)

    enrollments = []
    created = 0
    for row, existing in usable:
        person = existing
        if person is None:
            person, problem = _group_member(
                group,
                actor,
                full_name=row.full_name,
                email=row.email,
                phone=row.phone,
                job_title=row.role,
            )
            if problem:  # someone registered the address meanwhile: all or nothing
                raise RosterError([RosterProblem(row.line, problem)])
            created += 1
        enrollments.append(
            admit(
                session,
                person,
                group,
                source=EnrollmentSource.GROUP,
                actor=actor,
                details={"roster_line": row.line},
                count=count,
            )
        )
    if any(e.status is not EnrollmentStatus.ENROLLED for e in enrollments):
        raise RosterError([RosterProblem(None, "The seats changed while importing; try again.")])
    for enrollment in enrollments:
        _send_sign_up_link(enrollment.person, actor)
    audit(
        "group.roster_imported",
        session,
        actor=actor,
        organization_id=group.id,
        details={
            "file": filename[:200],
            "people": len(enrollments),
            "new_people": created,
            "enrollment_ids": [e.id for e in enrollments],
        },
    )
    return enrollments


def _seats_short(group: Organization, count: queries.SeatCount, people: int) -> str | None:
    """Said once, for the whole file: more people than the group may seat here."""
    available = count.available_to(group)
    if people <= available:
        return None
    cap = count.cap_for(group)
    return (
        f"{people} people, {available} seat{'s' if available != 1 else ''} left for your group"
        f"{f' (cap {cap})' if cap is not None else ''}: choose another session or ask the "
        "training coordinator."
    )


def _allocation(session: CourseSession, organization: Organization) -> SessionGroupAllocation:
    allocation = db_session().get(
        SessionGroupAllocation, (session.id, organization.id), populate_existing=True
    )
    if allocation is None:
        allocation = SessionGroupAllocation(
            session_id=session.id, organization_id=organization.id, seats_reserved=0
        )
        db_session().add(allocation)
    return allocation


def reserve_group_seats(
    session_id: int, group: Organization, actor: Person, seats: int
) -> SessionGroupAllocation:
    """Hold ``seats`` seats for the group to name people for later (0 gives them all back)."""
    if seats < 0:
        raise EnrollmentError("The number of seats cannot be below zero.", field="seats")
    session = locked_session(session_id)
    problem = _group_problem(session, group, actor)
    if problem:
        raise EnrollmentError(problem)
    count = queries.count_seats(session)
    previous = count.reserved(group.id)
    cap = count.cap_for(group)
    if cap is not None and seats > cap:
        raise EnrollmentError(
            f"{group.name} may hold at most {cap} seats in this session.", field="seats"
        )
    named = count.held_by_org[group.id]
    more_open = max(seats - named, 0) - count.reserved_open(group.id)
    if more_open > max(count.free, 0):
        free = max(count.free, 0)
        raise EnrollmentError(
            f"Only {free} more seat{'s are' if free != 1 else ' is'} free in this session "
            f"({named} of your people already hold seats).",
            field="seats",
        )
    allocation = _allocation(session, group)
    allocation.seats_reserved = seats
    allocation.reserved_by_id = actor.id
    db_session().flush()
    audit(
        "group.seats_reserved",
        session,
        actor=actor,
        organization_id=group.id,
        details={"group_id": group.id, "seats_reserved": seats, "previous": previous},
    )
    # Seats given back go to the waitlist; seats held may go to the group's own waiting people.
    promote_waitlist(session, actor)
    return allocation


def set_seat_cap(
    session_id: int, organization: Organization, actor: Person, cap: int | None
) -> SessionGroupAllocation:
    """A coordinator caps the seats one organization may hold in a session (None: no own cap)."""
    if cap is not None and cap < 0:
        raise EnrollmentError("The cap cannot be below zero.", field="seat_cap")
    session = locked_session(session_id)
    count = queries.count_seats(session)
    if cap is not None and cap < count.reserved(organization.id):
        raise EnrollmentError(
            f"{organization.name} has reserved {count.reserved(organization.id)} seats; "
            "the cap cannot be lower.",
            field="seat_cap",
        )
    allocation = _allocation(session, organization)
    previous = allocation.seat_cap
    allocation.seat_cap = cap
    db_session().flush()
    audit(
        "group.seat_cap_set",
        session,
        actor=actor,
        organization_id=organization.id,
        details={"organization_id": organization.id, "seat_cap": cap, "previous": previous},
    )
    promote_waitlist(session, actor)
    return allocation

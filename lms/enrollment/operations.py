"""Writes of the enrollment feature: places, waitlists, cancellations, groups, claims.

Every write that can change who holds a seat starts by locking the session's
row (:func:`lms.core.lock_row`) and then counts seats with fresh COUNT queries
inside that lock, so concurrent requests queue on the session instead of
overbooking it. Operations flush, audit and send their signals; the caller
commits, so a place, its seat and its audit record land together or not at all.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from .. import signals
from ..auth import links
from ..auth import operations as auth_operations
from ..auth.policy import coordinates_session
from ..core import audit, db_session, local_today, lock_row
from ..models import (
    AccountToken,
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
from .roster_csv import RosterProblem, RosterRow, parse_roster


class EnrollmentError(ValueError):
    """A request that cannot be honoured; the message is shown, ``field`` says where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class RosterError(EnrollmentError):
    """A roster upload with problems: every problem, by line. Nothing was imported."""

    def __init__(self, problems: list[RosterProblem]):
        super().__init__(f"The roster was not imported: {len(problems)} problem(s).")
        self.problems = problems


def _app():
    return current_app._get_current_object()


def lock_session(session_id: int) -> CourseSession | None:
    """The session, its row locked until the transaction ends (see :func:`lms.core.lock_row`)."""
    return lock_row(CourseSession, session_id)


def _locked_session(session_id: int) -> CourseSession:
    session = lock_session(session_id)
    if session is None:
        raise EnrollmentError("That session does not exist.")
    return session


# --- taking a place ------------------------------------------------------------


def _admit(
    session: CourseSession,
    person: Person,
    organization: Organization,
    *,
    source: EnrollmentSource,
    actor: Person | None,
    over_enrollment_reason: str | None = None,
    prerequisite_override_reason: str | None = None,
    affiliation: str | None = None,
    details: dict | None = None,
    count: queries.SeatCount | None = None,
) -> Enrollment:
    """Give ``person`` a seat if one is theirs to take, else a place on the waitlist.

    The caller holds the session's lock and has checked the rules. A reason to
    over-enroll seats the person even in a full room; it is kept and audited.
    """
    problem = rules.organization_problem(organization)
    if problem:
        raise EnrollmentError(problem)
    count = count or queries.count_seats(session)
    now = utcnow()
    if count.can_seat(organization):
        status, over_enrollment_reason = EnrollmentStatus.ENROLLED, None
    elif over_enrollment_reason:
        status = EnrollmentStatus.ENROLLED
    else:
        status = EnrollmentStatus.WAITLISTED
    enrollment = Enrollment(
        session_id=session.id,
        person_id=person.id,
        organization_id=organization.id,
        status=status,
        source=source,
        waitlisted_at=now if status is EnrollmentStatus.WAITLISTED else None,
        enrolled_by_id=actor.id if actor is not None else None,
        over_enrollment_reason=over_enrollment_reason,
        prerequisite_override_reason=prerequisite_override_reason,
        affiliation=affiliation,
        created_at=now,
        status_changed_at=now,
    )
    db_session().add(enrollment)
    db_session().flush()
    if status is EnrollmentStatus.ENROLLED:
        count.take(organization)
    audit(
        "enrollment.created",
        enrollment,
        actor=actor,
        details={
            "session_id": session.id,
            "person_id": person.id,
            "status": status.value,
            "source": source.value,
            **(
                {"over_enrollment_reason": over_enrollment_reason} if over_enrollment_reason else {}
            ),
            **(
                {"prerequisite_override_reason": prerequisite_override_reason}
                if prerequisite_override_reason
                else {}
            ),
            **(details or {}),
        },
    )
    signals.enrollment_created.send(_app(), enrollment=enrollment, actor=actor)
    return enrollment


def _refuse_if_placed(session: CourseSession, person: Person, *, yourself: bool) -> None:
    existing = queries.active_enrollment(session.id, person.id)
    if existing is None:
        return
    where = "on the waitlist" if existing.is_waitlisted else existing.status.label.lower()
    who = "You are" if yourself else f"{person.full_name} is"
    raise EnrollmentError(f"{who} already {where} in this session.")


def enroll_self(session_id: int, person: Person) -> Enrollment:
    """An officer (or anyone signed in) takes a place in a session meant for them."""
    session = _locked_session(session_id)
    now = utcnow()
    problem = (
        rules.timing_problem(session, now)
        or rules.organization_problem(person.organization)
        or rules.audience_problem(session.course, person)
    )
    if problem:
        raise EnrollmentError(problem)
    _refuse_if_placed(session, person, yourself=True)
    lacking = rules.prerequisite_problems(session.course, person, local_today(session.timezone))
    if lacking:
        raise EnrollmentError(" ".join(lacking))
    return _admit(session, person, person.organization, source=EnrollmentSource.SELF, actor=person)


def enroll_by_coordinator(
    session_id: int,
    person: Person,
    actor: Person,
    *,
    over_enrollment_reason: str | None = None,
    prerequisite_override_reason: str | None = None,
) -> Enrollment:
    """A training coordinator enrolls anyone; overrides need a reason and are audited."""
    session = _locked_session(session_id)
    problem = rules.timing_problem(session, utcnow(), staff=True)
    if problem:
        raise EnrollmentError(problem)
    _refuse_if_placed(session, person, yourself=False)
    lacking = rules.prerequisite_problems(session.course, person, local_today(session.timezone))
    if lacking and not prerequisite_override_reason:
        raise EnrollmentError(
            " ".join(lacking) + " Give a reason to override the prerequisite.",
            field="prerequisite_override_reason",
        )
    details = {}
    audience = rules.audience_problem(session.course, person)
    if audience:
        details["audience_override"] = audience
    return _admit(
        session,
        person,
        person.organization,
        source=EnrollmentSource.COORDINATOR,
        actor=actor,
        over_enrollment_reason=over_enrollment_reason,
        prerequisite_override_reason=prerequisite_override_reason if lacking else None,
        details=details,
    )


# --- waitlist and cancellation -------------------------------------------------


def promote_waitlist(session: CourseSession, actor: Person | None = None) -> list[Enrollment]:
    """Seat waitlisted people, first in line first, while seats are theirs to take.

    The caller holds the session's lock. Someone whose group is at its cap is
    passed over (they keep their place) rather than blocking everyone behind.
    """
    if session.is_cancelled:
        return []
    count = queries.count_seats(session)
    promoted = []
    for enrollment in queries.waitlist(session.id):
        organization = enrollment.organization
        if not count.can_seat(organization):
            continue
        now = utcnow()
        waited_since = enrollment.waitlisted_at
        enrollment.status = EnrollmentStatus.ENROLLED
        enrollment.status_changed_at = now
        db_session().flush()
        count.take(organization)
        audit(
            "enrollment.promoted",
            enrollment,
            actor=actor,
            details={
                "session_id": session.id,
                "person_id": enrollment.person_id,
                "waitlisted_at": waited_since.isoformat() if waited_since else None,
            },
        )
        signals.waitlist_promoted.send(_app(), enrollment=enrollment)
        promoted.append(enrollment)
    return promoted


def mark_cancelled(
    enrollment: Enrollment, actor: Person | None, reason: str | None, **details
) -> None:
    """Cancel one place (kept, with who and why); the caller holds the session's lock."""
    now = utcnow()
    previous = enrollment.status
    enrollment.status = EnrollmentStatus.CANCELLED
    enrollment.status_changed_at = now
    enrollment.cancelled_at = now
    enrollment.cancelled_by_id = actor.id if actor is not None else None
    enrollment.cancel_reason = (reason or "")[:500] or None
    db_session().flush()
    audit(
        "enrollment.cancelled",
        enrollment,
        actor=actor,
        details={
            "session_id": enrollment.session_id,
            "person_id": enrollment.person_id,
            "previous_status": previous.value,
            "reason": reason,
            **details,
        },
    )
    signals.enrollment_cancelled.send(_app(), enrollment=enrollment, actor=actor, reason=reason)


def cancel_enrollment(
    enrollment_id: int, actor: Person, reason: str | None, *, enforce_cutoff: bool
) -> Enrollment:
    """Cancel a place and give a freed seat to the waitlist.

    People cancelling their own place (or their group's) must do so before the
    cut-off; training coordinators may cancel any time before the session ends.
    """
    found = db_session().get(Enrollment, enrollment_id)
    if found is None:
        raise EnrollmentError("That enrollment does not exist.")
    session = _locked_session(found.session_id)
    enrollment = db_session().get(Enrollment, enrollment_id, populate_existing=True)
    check = rules.self_cancel_problem if enforce_cutoff else rules.staff_cancel_problem
    problem = check(enrollment, utcnow())
    if problem:
        raise EnrollmentError(problem)
    freed_seat = enrollment.holds_seat
    mark_cancelled(enrollment, actor, reason)
    if freed_seat:
        promote_waitlist(session, actor)
    return enrollment


# --- community groups ------------------------------------------------------------


def _group_problem(session: CourseSession, group: Organization, actor: Person) -> str | None:
    return (
        rules.timing_problem(session, utcnow(), staff=coordinates_session(actor, session))
        or rules.organization_problem(group)
        or rules.group_audience_problem(session.course)
    )


def _find_or_create_person(email: str, create) -> tuple[Person, bool]:
    """The person with ``email``, created (in a savepoint) if nobody has it yet.

    Two requests creating the same address at once: the loser of the unique
    index rolls back its savepoint and uses the winner's row.
    """
    person = queries.person_by_email(email)
    if person is not None:
        return person, False
    try:
        with db_session().begin_nested():
            return create(), True
    except IntegrityError:
        person = queries.person_by_email(email)
        if person is None:
            raise
        return person, False


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
        )

    existing = queries.person_by_email(email)
    if existing is not None and existing.organization_id != group.id:
        return (
            None,
            f"{email} belongs to someone outside {group.name}; they can register themselves.",
        )
    person, _ = _find_or_create_person(email, create)
    if person.organization_id != group.id:
        return None, f"{email} belongs to someone outside {group.name}."
    return person, None


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
    session = _locked_session(session_id)
    problem = _group_problem(session, group, actor)
    if problem:
        raise EnrollmentError(problem)
    person, problem = _group_member(
        group, actor, full_name=full_name, email=email, phone=phone, job_title=job_title
    )
    if problem:
        raise EnrollmentError(problem, field="email")
    _refuse_if_placed(session, person, yourself=False)
    lacking = rules.prerequisite_problems(session.course, person, local_today(session.timezone))
    if lacking:
        raise EnrollmentError(" ".join(lacking))
    return _admit(session, person, group, source=EnrollmentSource.GROUP, actor=actor)


def import_group_roster(
    session_id: int, group: Organization, actor: Person, data: bytes, filename: str = ""
) -> list[Enrollment]:
    """Enroll every person a roster CSV names, or nobody: all problems are reported at once."""
    rows, problems = parse_roster(data)
    if problems:
        raise RosterError(problems)
    session = _locked_session(session_id)
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
    available = count.available_to(group)
    if len(usable) > available:
        cap = count.cap_for(group)
        why = f"{group.name} has {available} seat{'s' if available != 1 else ''} left here"
        if cap is not None:
            why += f" (its cap is {cap})"
        for row, _ in usable[available:]:
            problems.append(RosterProblem(row.line, f"no seat left for {row.full_name}: {why}."))
    if problems:
        raise RosterError(sorted(problems, key=lambda p: p.line or 0))

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
            _admit(
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
    session = _locked_session(session_id)
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
    session = _locked_session(session_id)
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


# --- claiming an account --------------------------------------------------------------


def claim_link_lifetime() -> timedelta:
    return links.invitation_lifetime()


def create_claim_token(person: Person, actor: Person) -> str:
    """A fresh single-use claim link token for a person without a login (older ones die)."""
    try:
        return links.issue_invitation(person, actor).token  # audited there
    except auth_operations.AccountError as exc:
        raise EnrollmentError(str(exc)) from None


def find_claim(token: str) -> AccountToken | None:
    """The claim link ``token`` opens, usable or not; None when there is no such link."""
    return links.find_link(token, TokenPurpose.CLAIM_ACCOUNT)


def is_claimable(row: AccountToken) -> bool:
    """Whether the claim link can still set a password: live, for a person with no login."""
    return row.is_live and not row.person.has_login


def claim_account(row: AccountToken, password: str) -> Person:
    """Set the password of the person a claim link is for; the link then stops working."""
    if not is_claimable(row):
        raise EnrollmentError("This link is not valid any more: it was used, replaced or expired.")
    person = row.person
    auth_operations.set_password(person, password)  # AccountError names a weak password
    try:
        links.use_link(row)
    except links.LinkGone as exc:
        raise EnrollmentError(str(exc)) from None
    person.claimed_at = utcnow()
    db_session().flush()
    audit("account.claimed", person, actor=person, details={"token_id": row.id})
    signals.account_claimed.send(_app(), person=person)
    return person

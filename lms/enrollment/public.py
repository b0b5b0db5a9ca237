"""Public registration: people without an account register for a public session.

Anyone may type any address, so the answer never depends on whose it is. An
address that belongs to an account (or to someone a group or the department
manages, or to a deactivated person) is never enrolled or changed by a
stranger: the attempt is kept in the audit log and the holder is mailed how
to enroll (once per session). A new registration is mailed a confirmation with
a manage link (:mod:`lms.enrollment.manage`); a repeat registration with the
same address changes nothing but mails a fresh link. Whatever happened, the
registrant is told the same thing: the session, and whether it had a seat free
when they sent the form (a fact about the session, not about them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..auth import operations as auth_operations
from ..catalog.queries import upcoming_sessions
from ..core import audit, db_session, lock_before_writing
from ..mail.public_registration import (
    prepare_registration_confirmation,
    queue_known_address_notice,
)
from ..models import (
    AgencyType,
    CourseSession,
    EnrollmentSource,
    Organization,
    OrganizationKind,
    Person,
    Role,
    utcnow,
)
from . import queries, rules
from .manage import issue_manage_link, manage_url, new_manage_token
from .places import EnrollmentError, admit, find_or_create_person, locked_session


@dataclass(frozen=True)
class Registration:
    """What a registrant is told; the same for a new, a repeated or a refused address."""

    session: CourseSession
    #: A seat was free to public registrants when the form arrived (else: the waitlist).
    seated: bool


@dataclass(frozen=True)
class PublicOffer:
    """A coming public session as the front page lists it."""

    session: CourseSession
    #: Why nobody may register now (registration not open yet, or closed); None: open.
    problem: str | None


def public_offers(now: datetime, limit: int = 30) -> list[PublicOffer]:
    """The public sessions not yet begun, soonest first, each with whether one may register."""
    return [
        PublicOffer(session, rules.timing_problem(session, now))
        for session in upcoming_sessions(None, after=now, limit=limit)
        if session.starts_at > now
    ]


def _public_registrants() -> Organization:
    organization = queries.public_registrants_organization()
    if organization is not None:
        return organization
    try:
        with db_session().begin_nested():
            organization = Organization(
                name="Public registrants",
                slug=rules.PUBLIC_REGISTRANTS_SLUG,
                kind=OrganizationKind.COMMUNITY_GROUP,
                agency_type=AgencyType.OTHER,
                timezone=current_app.config["LMS_TIMEZONE"],
            )
            db_session().add(organization)
        return organization
    except IntegrityError:
        return queries.public_registrants_organization()


def _open_to_strangers(person: Person, public: Organization) -> bool:
    """Whether a registration by address alone may place ``person``: a public registrant only."""
    return person.active and not person.has_login and person.organization_id == public.id


def _why_not(person: Person) -> str:
    if not person.active:
        return "deactivated"
    return "has_login" if person.has_login else "managed_by_organization"


def seat_free(session: CourseSession, public: Organization | None = None) -> bool:
    """Whether a public registrant would get a seat now (read only; ``public``: the
    public registrants' organization when the caller has it)."""
    public = public or queries.public_registrants_organization()
    count = queries.count_seats(session)
    return count.can_seat(public) if public is not None else count.free > 0


def register_public(
    session_id: int, *, full_name: str, email: str, affiliation: str | None
) -> Registration:
    """Register someone without an account for a public session (see the module's rules).

    What needs no lock comes first: the checks, the person, and the confirmation
    for the outcome the seats left now predict. The session's lock (held to the
    commit) then covers only the seat decision, the place, its link and the
    outbox row; the message is built again under it only when the prediction
    missed (a registration at the boundary between seats and waitlist).
    """
    session = db_session().get(CourseSession, session_id)
    if session is None:
        raise EnrollmentError("That session does not exist.")
    _refuse_closed(session)
    lock_before_writing(CourseSession, session_id)
    public = _public_registrants()

    def create() -> Person:
        return auth_operations.create_person(
            full_name=full_name,
            organization=public,
            email=email,
            roles=[(Role.PARTICIPANT, public)],
            email_checked=True,
        )

    person, created = find_or_create_person(email, create)
    if not _open_to_strangers(person, public):
        session = locked_session(session_id)  # answers as slowly as a registration would
        audit(
            "registration.existing_account",
            person,
            actor=None,
            details={
                "session_id": session.id,
                "typed_name": full_name,
                "typed_organization": affiliation,
                "why_not_enrolled": _why_not(person),
            },
        )
        if person.active:
            queue_known_address_notice(person, session)
        return Registration(session, seated=queries.count_seats(session).can_seat(public))

    token = new_manage_token()
    link = manage_url(token)
    waitlisted = not seat_free(session, public)
    confirmation = prepare_registration_confirmation(
        person, session, waitlisted=waitlisted, manage_url=link
    )

    session = locked_session(session_id)
    _refuse_closed(session)  # cancelled or closed while the form was on its way
    count = queries.count_seats(session)
    answer = Registration(session, seated=count.can_seat(public))
    # Someone this transaction created has no place anywhere yet (nobody else sees them).
    enrollment = None if created else queries.active_enrollment(session.id, person.id)
    if enrollment is None:
        enrollment = admit(
            session,
            person,
            public,
            source=EnrollmentSource.PUBLIC,
            actor=None,
            affiliation=affiliation,
            count=count,
        )
    issue_manage_link(enrollment, token)
    if enrollment.is_waitlisted != waitlisted:
        confirmation = prepare_registration_confirmation(
            person, session, waitlisted=enrollment.is_waitlisted, manage_url=link
        )
    if confirmation is not None:
        confirmation.queue()
    return answer


def _refuse_closed(session: CourseSession) -> None:
    if not session.is_public:
        raise EnrollmentError("This session is not open to public registration.")
    problem = rules.timing_problem(session, utcnow())
    if problem:
        raise EnrollmentError(problem)

"""Writes of the enrollment feature: one's own place, a coordinator's, cancelling, claims.

Places are taken, promoted and cancelled through :mod:`lms.enrollment.places`
(under the session's lock); community groups' writes are in
:mod:`lms.enrollment.group_operations`, public registration in
:mod:`lms.enrollment.public`. Callers commit.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from .. import signals
from ..auth import links
from ..auth import operations as auth_operations
from ..core import audit, db_session, local_today
from ..mail import invitations
from ..models import (
    AccountToken,
    CourseSession,
    Enrollment,
    EnrollmentSource,
    Person,
    TokenPurpose,
    utcnow,
)
from . import queries, rules
from .places import (
    EnrollmentError,
    admit,
    locked_session,
    mark_cancelled,
    promote_waitlist,
    refuse_if_placed,
)


def enroll_self(session_id: int, person: Person) -> Enrollment:
    """An officer (or anyone signed in) takes a place in a session meant for them.

    The rules that need no lock (audience, organization, prerequisites) are read
    first; the session's lock, held to the commit, covers the seat decision and
    what must agree with it (still open, not placed twice, the message).
    """
    session = db_session().get(CourseSession, session_id)
    if session is None:
        raise EnrollmentError("That session does not exist.")
    problem = (
        rules.timing_problem(session, utcnow())
        or rules.organization_problem(person.organization)
        or rules.audience_problem(session.course, person)
    )
    if problem:
        raise EnrollmentError(problem)
    lacking = rules.prerequisite_problems(session.course, person, local_today(session.timezone))
    if lacking:
        raise EnrollmentError(" ".join(lacking))
    # A full session (most of a rush) will most likely put them on its waitlist: that
    # word is built now, so that the lock covers only the decision and its rows.
    full = not queries.count_seats(session).can_seat(person.organization)
    word = invitations.waitlist_word(person, session) if full else None
    session = locked_session(session_id)
    problem = rules.timing_problem(session, utcnow())
    if problem:
        raise EnrollmentError(problem)
    refuse_if_placed(session, person, yourself=True)
    enrollment = admit(
        session, person, person.organization, source=EnrollmentSource.SELF, actor=person
    )
    if enrollment.is_waitlisted and full:
        if word is not None:
            word.queue()
    else:
        invitations.enrollment_created(enrollment)
    return enrollment


def enroll_by_coordinator(
    session_id: int,
    person: Person,
    actor: Person,
    *,
    over_enrollment_reason: str | None = None,
    prerequisite_override_reason: str | None = None,
) -> Enrollment:
    """A training coordinator enrolls anyone; overrides need a reason and are audited."""
    session = locked_session(session_id)
    problem = rules.timing_problem(session, utcnow(), staff=True)
    if problem:
        raise EnrollmentError(problem)
    refuse_if_placed(session, person, yourself=False)
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
    enrollment = admit(
        session,
        person,
        person.organization,
        source=EnrollmentSource.COORDINATOR,
        actor=actor,
        over_enrollment_reason=over_enrollment_reason,
        prerequisite_override_reason=prerequisite_override_reason if lacking else None,
        details=details,
    )
    invitations.enrollment_created(enrollment)
    return enrollment


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
    session = locked_session(found.session_id)
    enrollment = db_session().get(Enrollment, enrollment_id, populate_existing=True)
    check = rules.self_cancel_problem if enforce_cutoff else rules.staff_cancel_problem
    problem = check(enrollment, utcnow())
    if problem:
        raise EnrollmentError(problem)
    freed_seat = enrollment.holds_seat
    mark_cancelled(enrollment, actor, reason)
    invitations.place_cancelled(enrollment, actor)
    if freed_seat:
        promote_waitlist(session, actor)
    return enrollment


def claim_link_lifetime() -> timedelta:
    """How long a claim link works (``LMS_CLAIM_LINK_DAYS``)."""
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
    signals.account_claimed.send(current_app._get_current_object(), person=person)
    return person

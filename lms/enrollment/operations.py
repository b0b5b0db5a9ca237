"""Writes of the enrollment feature: one's own place, a coordinator's, cancelling, claims.

Places are taken, promoted and cancelled through :mod:`lms.enrollment.places`
(under the session's lock); community groups' writes are in
:mod:`lms.enrollment.group_operations`, public registration in
:mod:`lms.enrollment.public`. Callers commit.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from .. import signals
from ..auth import operations as auth_operations
from ..core import audit, db_session, local_today
from ..models import (
    AccountToken,
    Enrollment,
    EnrollmentSource,
    Person,
    TokenPurpose,
    utcnow,
)
from . import rules
from .places import (
    EnrollmentError,
    admit,
    locked_session,
    mark_cancelled,
    promote_waitlist,
    refuse_if_placed,
)


def enroll_self(session_id: int, person: Person) -> Enrollment:
    """An officer (or anyone signed in) takes a place in a session meant for them."""
    session = locked_session(session_id)
    now = utcnow()
    problem = (
        rules.timing_problem(session, now)
        or rules.organization_problem(person.organization)
        or rules.audience_problem(session.course, person)
    )
    if problem:
        raise EnrollmentError(problem)
    refuse_if_placed(session, person, yourself=True)
    lacking = rules.prerequisite_problems(session.course, person, local_today(session.timezone))
    if lacking:
        raise EnrollmentError(" ".join(lacking))
    return admit(session, person, person.organization, source=EnrollmentSource.SELF, actor=person)


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
    return admit(
        session,
        person,
        person.organization,
        source=EnrollmentSource.COORDINATOR,
        actor=actor,
        over_enrollment_reason=over_enrollment_reason,
        prerequisite_override_reason=prerequisite_override_reason if lacking else None,
        details=details,
    )


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
    if freed_seat:
        promote_waitlist(session, actor)
    return enrollment


def claim_link_lifetime() -> timedelta:
    """How long a claim link works (``LMS_CLAIM_LINK_DAYS``)."""
    return timedelta(days=float(current_app.config.get("LMS_CLAIM_LINK_DAYS", 14)))


def create_claim_token(person: Person, actor: Person) -> str:
    """A fresh single-use claim link token for a person without a login (older ones die)."""
    if person.has_login:
        raise EnrollmentError(f"{person.full_name} already has a login.")
    if not person.email:
        raise EnrollmentError(f"{person.full_name} has no email to sign in with.")
    now = utcnow()
    db_session().execute(
        update(AccountToken)
        .where(
            AccountToken.person_id == person.id,
            AccountToken.purpose == TokenPurpose.CLAIM_ACCOUNT,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    row = AccountToken(
        person_id=person.id,
        purpose=TokenPurpose.CLAIM_ACCOUNT,
        token_hash=auth_operations.token_hash(token),
        created_at=now,
        expires_at=now + claim_link_lifetime(),
    )
    db_session().add(row)
    db_session().flush()
    audit(
        "account.claim_link_created",
        person,
        actor=actor,
        details={"token_id": row.id, "expires_at": row.expires_at.isoformat()},
    )
    return token


def claimable(token: str) -> AccountToken | None:
    """The live claim token for ``token``: unused, unexpired, for a person with no login."""
    row = db_session().scalar(
        select(AccountToken).where(
            AccountToken.token_hash == auth_operations.token_hash(token),
            AccountToken.purpose == TokenPurpose.CLAIM_ACCOUNT,
        )
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    if row.person.has_login or not row.person.active:
        return None
    return row


def claim_account(token: str, password: str) -> Person:
    """Set the password of the person a claim link is for; the link then stops working."""
    row = claimable(token)
    if row is None:
        raise EnrollmentError("This link is not valid any more: it was used, replaced or expired.")
    person = row.person
    auth_operations.set_password(person, password)  # AccountError names a weak password
    now = utcnow()
    used = db_session().execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:
        raise EnrollmentError("This link was just used.")
    person.claimed_at = now
    db_session().flush()
    audit("account.claimed", person, actor=person, details={"token_id": row.id})
    signals.account_claimed.send(current_app._get_current_object(), person=person)
    return person

"""Writes of the auth feature: sign-in sessions, accounts, passwords.

Like every feature's operations, these flush, audit and send their signals;
the view (or CLI command) that calls them owns the transaction and commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app, has_request_context, request
from flask_login import login_user, logout_user
from sqlalchemy import Select, bindparam, delete, or_, select, update
from sqlalchemy.orm import joinedload

from .. import signals
from ..core import audit, db_session, find_department
from ..models import (
    AccountToken,
    AgencyType,
    LoginSession,
    Organization,
    OrganizationKind,
    Person,
    Role,
    RoleAssignment,
    TokenPurpose,
    utcnow,
)
from .passwords import hash_password, password_problems, verify_password


class AccountError(ValueError):
    """An account change that cannot be made; the message says why, ``field`` where."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def token_hash(token: str) -> str:
    """The stored form of a random token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_by_email(email: str) -> Person | None:
    return db_session().scalar(select(Person).where(Person.email == normalize_email(email)))


def authenticate(email: str, password: str) -> Person | None:
    """The active person with these credentials, or None; same cost either way."""
    person = find_by_email(email)
    stored = person.password_hash if person is not None and person.active else None
    ok, new_hash = verify_password(stored, password)
    if not ok or person is None:
        return None
    if new_hash:
        person.password_hash = new_hash
    return person


def start_login_session(person: Person) -> str:
    """Record a new sign-in for ``person`` and log them in; return the cookie token.

    The caller commits: until then the cookie's token matches no stored sign-in.
    """
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        person_id=person.id,
        token_hash=token_hash(token),
        source_address=request.remote_addr if has_request_context() else None,
        user_agent=(request.user_agent.string or "")[:255] if has_request_context() else None,
    )
    db_session().add(row)
    person.current_login_token = token
    person.last_sign_in_at = utcnow()
    db_session().flush()
    audit("auth.sign_in", person, actor=person)
    login_user(person)
    signals.signed_in.send(current_app._get_current_object(), person=person)
    return token


@cache
def _live_sign_in() -> Select:
    """The live sign-in of a token's hash (bound per call), with its person, their
    organization and roles: one statement, built once, as every request asks it."""
    return (
        select(LoginSession)
        .where(
            LoginSession.token_hash == bindparam("token_hash"), LoginSession.revoked_at.is_(None)
        )
        .options(joinedload(LoginSession.person).joinedload(Person.roles))
    )


def load_login_session(token: str) -> Person | None:
    """The person of a live sign-in token (Flask-Login's user loader)."""
    lifetime = timedelta(hours=current_app.config["LMS_SIGN_IN_LIFETIME_HOURS"])
    row = db_session().scalar(_live_sign_in(), {"token_hash": token_hash(token)})
    if row is None or row.created_at + lifetime < utcnow():
        return None
    person = row.person
    if not person.active:
        return None
    person.current_login_token = token
    return person


def end_login_session(person: Person) -> None:
    """Sign out: revoke this browser's sign-in so its cookie is dead even if replayed.

    The caller commits.
    """
    token = person.current_login_token
    if token:
        db_session().execute(
            update(LoginSession)
            .where(LoginSession.token_hash == token_hash(token))
            .values(revoked_at=utcnow())
        )
    audit("auth.sign_out", person, actor=person)
    logout_user()
    signals.signed_out.send(current_app._get_current_object(), person=person)


def remove_ended_login_sessions() -> int:
    """Delete sign-ins that ended (signed out, revoked or past their lifetime); return how many.

    An ended sign-in's cookie already finds nothing (:func:`load_login_session`
    refuses it), so its row serves no one; the audit log keeps the sign-in and
    sign-out themselves. The caller commits.
    """
    lifetime = timedelta(hours=current_app.config["LMS_SIGN_IN_LIFETIME_HOURS"])
    ended = or_(LoginSession.revoked_at.is_not(None), LoginSession.created_at < utcnow() - lifetime)
    return db_session().execute(delete(LoginSession).where(ended)).rowcount or 0


def revoke_all_login_sessions(person: Person) -> int:
    """End every sign-in of ``person``; return how many were live."""
    result = db_session().execute(
        update(LoginSession)
        .where(LoginSession.person_id == person.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def end_account_links(person: Person, purpose: TokenPurpose | None = None) -> int:
    """Expire ``person``'s unused links (of ``purpose``, or all); return how many were live.

    The rows stay: when a link was made and by whom remains on record.
    """
    now = utcnow()
    result = db_session().execute(
        update(AccountToken)
        .where(
            AccountToken.person_id == person.id,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
            *([AccountToken.purpose == purpose] if purpose is not None else []),
        )
        .values(expires_at=now)
    )
    return result.rowcount or 0


def set_password(person: Person, new_password: str) -> int:
    """Set a checked password; end every sign-in and unused link of the person.

    Returns how many sign-ins ended. A weak password raises before anything changes.
    """
    problems = password_problems(new_password, [person.full_name, person.email])
    if problems:
        raise AccountError(" ".join(problems), field="new_password")
    person.password_hash = hash_password(new_password)
    person.password_changed_at = utcnow()
    end_account_links(person)
    return revoke_all_login_sessions(person)


def change_password(person: Person, current_password: str, new_password: str) -> None:
    """Change a signed-in person's password; they stay signed in on a fresh sign-in only.

    The caller commits the new password, the ended sign-ins and the fresh one together.
    """
    ok, _ = verify_password(person.password_hash, current_password)
    if not ok:
        raise AccountError("The current password is not correct.", field="current_password")
    set_password(person, new_password)
    audit("auth.password_changed", person, actor=person)
    signals.password_changed.send(current_app._get_current_object(), person=person)
    start_login_session(person)


def create_person(
    *,
    full_name: str,
    organization: Organization,
    email: str | None = None,
    password: str | None = None,
    roles: list[tuple[Role, Organization | None]] | None = None,
    actor: Person | None = None,
    email_checked: bool = False,
    **fields,
) -> Person:
    """Create a person (with a login when a password is given) and grant roles.

    ``email_checked``: the caller has just found nobody with ``email`` in this
    transaction (the unique index still refuses a twin created meanwhile).
    """
    if not full_name.strip():
        raise AccountError("A name is required.", field="full_name")
    if organization.active is False:  # None: a new organization, not yet flushed
        raise AccountError(
            f"{organization.name} is inactive: it takes no new people.", field="organization"
        )
    email = normalize_email(email) if email else None
    if email and not email_checked and find_by_email(email) is not None:
        raise AccountError(f"An account with the email {email} already exists.", field="email")
    person = Person(
        full_name=full_name.strip(),
        organization=organization,
        email=email,
        created_by_id=actor.id if actor else None,
        **fields,
    )
    db_session().add(person)
    if password is not None:
        set_password(person, password)
    for role, scope in roles or []:
        person.roles.append(
            RoleAssignment(
                role=role,
                organization=scope,
                granted_by_id=actor.id if actor else None,
            )
        )
    db_session().flush()
    audit(
        "person.created",
        person,
        actor=actor,
        details={"roles": [r.value for r, _ in roles or []], "has_login": password is not None},
    )
    signals.account_created.send(current_app._get_current_object(), person=person, actor=actor)
    return person


def department() -> Organization:
    """The department that runs the program, created from the config if missing."""
    org = find_department()
    if org is None:
        name = current_app.config["LMS_DEPARTMENT_NAME"]
        org = Organization(
            name=name,
            slug="department",
            kind=OrganizationKind.DEPARTMENT,
            agency_type=AgencyType.POLICE,
            timezone=current_app.config["LMS_TIMEZONE"],
        )
        db_session().add(org)
        db_session().flush()
    return org


def create_admin_account(*, email: str, full_name: str, password: str) -> Person:
    """An administrator of the department (``flask lms create-admin``)."""
    if not email or "@" not in email:
        raise AccountError("An email address is required.", field="email")
    org = department()
    return create_person(
        full_name=full_name,
        organization=org,
        email=email,
        password=password,
        roles=[(Role.ADMIN, None)],
    )

"""Account links: invitations and password resets, each a single-use, expiring link.

Both kinds share one table (:class:`~lms.models.AccountToken`, its ``purpose``
saying which): a random token is given once, on a page or in a message, and
only its SHA-256 is kept. A new link ends the person's earlier unused one of
the same kind; setting a password in any way ends every unused link
(:func:`~lms.auth.operations.set_password`).

Every link is made through :func:`_issued`, which returns what a page or a
message needs (:class:`AccountLink`), queues that message to the person and sends
:data:`lms.signals.account_link_issued`.
Operations flush, audit and signal; the caller commits.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from .. import signals
from ..core import NoPublicAddress, audit, db_session, department_name, public_url
from ..formatting import format_local_datetime
from ..mail.operations import queue_mail
from ..models import AccountToken, MailCategory, Person, TokenPurpose, utcnow
from . import operations
from .operations import AccountError

#: What :func:`secrets.token_urlsafe` (32 bytes) makes; anything else is no link of ours.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")

#: The page each kind of link opens.
ENDPOINTS = {
    TokenPurpose.CLAIM_ACCOUNT: "lms.enrollment.claim",
    TokenPurpose.RESET_PASSWORD: "lms.auth.reset_password",
}

#: The message (templates/lms/mail/<name>.*) that carries each kind of link.
MAIL_TEMPLATES = {
    TokenPurpose.CLAIM_ACCOUNT: "invitation",
    TokenPurpose.RESET_PASSWORD: "password_reset",
}


class LinkGone(AccountError):
    """The link was used, replaced or has expired (or its account was switched off)."""

    def __init__(self, message: str = "This link was used, replaced or has expired."):
        super().__init__(message)


def invitation_lifetime() -> timedelta:
    return timedelta(days=current_app.config["LMS_CLAIM_LINK_DAYS"])


def reset_lifetime() -> timedelta:
    return timedelta(minutes=current_app.config["LMS_PASSWORD_RESET_MINUTES"])


def duration_words(span: timedelta) -> str:
    """'30 minutes', '1 hour', '14 days': how long a link lasts, as a message says it."""
    minutes = round(span.total_seconds() / 60)
    for size, unit in ((24 * 60, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0 and minutes >= size:
            count = minutes // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{minutes} minutes"


@dataclass(frozen=True)
class AccountLink:
    """A link just made: everything a page showing it or a message carrying it needs.

    ``token`` and ``url`` are the secret: shown once or sent, never stored or logged.
    """

    person: Person
    purpose: TokenPurpose
    token_id: int
    token: str
    expires_at: datetime
    valid_for: timedelta

    @property
    def url(self) -> str:
        """The link's address (under ``LMS_PUBLIC_URL``; outside a request, only with it)."""
        return public_url(ENDPOINTS[self.purpose], token=self.token)

    @property
    def is_reset(self) -> bool:
        return self.purpose is TokenPurpose.RESET_PASSWORD

    @property
    def mail_template(self) -> str:
        return MAIL_TEMPLATES[self.purpose]

    def mail_context(self) -> dict[str, Any]:
        """The context of :attr:`mail_template`: the link, its expiry in the department's zone."""
        config = current_app.config
        return {
            "person": self.person,
            "name": self.person.printed_name,
            "email": self.person.email,
            "url": self.url,
            "expires_at": self.expires_at,
            "expires": format_local_datetime(self.expires_at),
            "valid_for": duration_words(self.valid_for),
            "department": department_name(),
            "site_name": config["LMS_SITE_NAME"],
        }


def _issued(person: Person, purpose: TokenPurpose, valid_for: timedelta) -> AccountLink:
    """A fresh link of ``purpose`` for ``person``; their earlier unused one of it ends."""
    operations.end_account_links(person, purpose)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = AccountToken(
        person_id=person.id,
        purpose=purpose,
        token_hash=operations.token_hash(token),
        created_at=now,
        expires_at=now + valid_for,
    )
    db_session().add(row)
    db_session().flush()
    link = AccountLink(
        person=person,
        purpose=purpose,
        token_id=row.id,
        token=token,
        expires_at=row.expires_at,
        valid_for=valid_for,
    )
    # Every kind of link goes to the person's own address too (a person without one
    # gets it only from whoever made it); the message commits with the link.
    try:
        context = link.mail_context()
    except NoPublicAddress as exc:  # a command without LMS_PUBLIC_URL: shown, not mailed
        current_app.logger.warning("link for person %s not mailed: %s", person.id, exc)
    else:
        queue_mail(person, link.mail_template, context, category=MailCategory.SECURITY)
    signals.account_link_issued.send(current_app._get_current_object(), link=link)
    return link


def _audit_details(link: AccountLink) -> dict[str, Any]:
    # Never the token, nor the URL that carries it.
    return {"token_id": link.token_id, "expires_at": link.expires_at.isoformat()}


def find_link(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The link of ``purpose`` that ``token`` opens, live or not; None: no such link."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return db_session().scalar(
        select(AccountToken).where(
            AccountToken.token_hash == operations.token_hash(token),
            AccountToken.purpose == purpose,
        )
    )


def live_link(person: Person, purpose: TokenPurpose) -> AccountToken | None:
    """``person``'s unused, unexpired link of ``purpose``, if one is out."""
    return db_session().scalar(
        select(AccountToken).where(
            AccountToken.person_id == person.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > utcnow(),
        )
    )


def latest_links(person_ids: Collection[int], purpose: TokenPurpose) -> dict[int, AccountToken]:
    """person id -> the last link of ``purpose`` made for them (live or not)."""
    rows = db_session().scalars(
        select(AccountToken)
        .where(AccountToken.person_id.in_(person_ids), AccountToken.purpose == purpose)
        .order_by(AccountToken.created_at, AccountToken.id)
    )
    return {row.person_id: row for row in rows}


def use_link(row: AccountToken) -> None:
    """Mark ``row`` used; a second use (even at the same moment) raises :class:`LinkGone`."""
    used = db_session().execute(
        update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:
        raise LinkGone("This link was just used.")


# --- invitations ------------------------------------------------------------------------------


def issue_invitation(person: Person, actor: Person) -> AccountLink:
    """An invitation (claim link) for a person without a login to make one."""
    if person.has_login:
        raise AccountError(f"{person.full_name} already has a login.")
    if not person.email:
        raise AccountError(f"{person.full_name} has no email to sign in with.")
    link = _issued(person, TokenPurpose.CLAIM_ACCOUNT, invitation_lifetime())
    audit("account.claim_link_created", person, actor=actor, details=_audit_details(link))
    return link


# --- password resets --------------------------------------------------------------------------


def _issue_reset(person: Person) -> AccountLink:
    if not person.active:
        raise AccountError(f"{person.full_name}'s account is deactivated: reactivate it first.")
    if not person.email:
        raise AccountError(f"{person.full_name} has no email to sign in with.")
    return _issued(person, TokenPurpose.RESET_PASSWORD, reset_lifetime())


def request_password_reset(email: str) -> AccountLink | None:
    """A reset link for the active account that signs in with ``email``, else None.

    The caller answers the same either way, and neither path hashes a password.
    """
    person = operations.find_by_email(email)
    if person is None or not person.active or not person.has_login:
        return None
    link = _issue_reset(person)
    audit("auth.password_reset_requested", person, details=_audit_details(link))
    return link


def issue_reset_link(person: Person, actor: Person) -> AccountLink:
    """A reset link made by staff for someone who already has a password, to pass on."""
    link = _issue_reset(person)
    audit("auth.reset_link_issued", person, actor=actor, details=_audit_details(link))
    return link


def reset_password(row: AccountToken, new_password: str) -> Person:
    """Set the password ``row`` is for, use the link up, end every other sign-in, sign in.

    A weak password raises :class:`AccountError` and a dead link :class:`LinkGone`,
    both before anything is kept (the caller rolls back).
    """
    if row.purpose is not TokenPurpose.RESET_PASSWORD or not row.is_live:
        raise LinkGone()
    person = row.person
    ended = operations.set_password(person, new_password)
    use_link(row)
    db_session().flush()
    audit(
        "auth.password_reset",
        person,
        actor=person,
        details={"token_id": row.id, "sign_ins_ended": ended},
    )
    signals.password_changed.send(current_app._get_current_object(), person=person)
    operations.start_login_session(person)
    return person
